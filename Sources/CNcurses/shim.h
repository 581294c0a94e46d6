#ifndef CONNECTADMIN_CNCURSES_SHIM_H
#define CONNECTADMIN_CNCURSES_SHIM_H

// Wide-character ncurses: must be defined before <curses.h> so that the
// cchar_t / wide APIs are declared.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <ncursesw/curses.h>

// Swift cannot call C macros. These inline functions expose the macro-only
// parts of the curses API that the console uses.

static inline int ca_color_pair(int n) { return COLOR_PAIR(n); }
static inline int ca_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int ca_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int ca_key_resize(void) { return KEY_RESIZE; }
static inline int ca_key_f(int n) { return KEY_F(n); }
static inline attr_t ca_a_bold(void) { return A_BOLD; }
static inline attr_t ca_a_reverse(void) { return A_REVERSE; }
static inline attr_t ca_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ca_a_dim(void) { return A_DIM; }
static inline attr_t ca_a_normal(void) { return A_NORMAL; }
static inline WINDOW *ca_stdscr(void) { return stdscr; }
static inline int ca_lines(void) { return LINES; }
static inline int ca_cols(void) { return COLS; }

#endif

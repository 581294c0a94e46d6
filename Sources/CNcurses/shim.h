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
#include <wchar.h>
#include <ncursesw/curses.h>

// Swift cannot call C macros. These inline functions expose the macro-only
// parts of the curses API that the console uses.

static inline int ca_color_pair(int n) { return COLOR_PAIR(n); }
static inline int ca_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int ca_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int ca_key_resize(void) { return KEY_RESIZE; }
static inline int ca_key_mouse(void) { return KEY_MOUSE; }
static inline int ca_key_dc(void) { return KEY_DC; }
static inline int ca_key_btab(void) { return KEY_BTAB; }
static inline int ca_key_max(void) { return KEY_MAX; }
static inline int ca_key_f(int n) { return KEY_F(n); }
static inline attr_t ca_a_bold(void) { return A_BOLD; }
static inline attr_t ca_a_reverse(void) { return A_REVERSE; }
static inline attr_t ca_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ca_a_dim(void) { return A_DIM; }
static inline attr_t ca_a_normal(void) { return A_NORMAL; }
static inline WINDOW *ca_stdscr(void) { return stdscr; }
static inline int ca_lines(void) { return LINES; }
static inline int ca_cols(void) { return COLS; }

// Mouse: the button masks are macros.
static inline mmask_t ca_mouse_mask(void) {
    return BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
        | BUTTON5_PRESSED
#endif
        ;
}
static inline int ca_mouse_kind(mmask_t state) {
    if (state & BUTTON1_DOUBLE_CLICKED) return 2;
    if (state & BUTTON1_CLICKED) return 1;
    if (state & BUTTON4_PRESSED) return 3;
#ifdef BUTTON5_PRESSED
    if (state & BUTTON5_PRESSED) return 4;
#endif
    return 0;
}

// A pseudo-terminal pair (for tests that drive ncurses through a real terminal device):
// returns the master's descriptor and sets *slave, or -1.
extern int posix_openpt(int flags);
extern int grantpt(int fd);
extern int unlockpt(int fd);
extern char *ptsname(int fd);
#include <fcntl.h>
static inline int ca_open_pty(int *slave) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0) return -1;
    char *name = ptsname(master);
    if (name == 0) return -1;
    *slave = open(name, O_RDWR | O_NOCTTY);
    return *slave < 0 ? -1 : master;
}

// Display width of one Unicode scalar, as the terminal (and ncurses) counts cells: 2 for
// East Asian wide and fullwidth, 0 for combining marks, -1 for controls. Evaluated in a
// UTF-8 locale whatever the process locale is, so widths do not depend on LANG.
static inline int ca_wcwidth(unsigned int scalar) {
    static locale_t utf8 = (locale_t)0;
    if (utf8 == (locale_t)0) utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (utf8 == (locale_t)0) return scalar < 0x1100 ? 1 : -1;
    locale_t previous = uselocale(utf8);
    int width = wcwidth((wchar_t)scalar);
    uselocale(previous);
    return width;
}

#endif

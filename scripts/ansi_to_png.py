#!/usr/bin/env python3
"""Render a `tmux capture-pane -e -p` dump (text with SGR colour sequences) to a PNG, cell
by cell, with DejaVu Sans Mono. Used by scripts/screenshots.sh. Needs Pillow."""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

PALETTE = [(30, 30, 30), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188),
           (17, 168, 205), (229, 229, 229)]
BRIGHT = [(102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214),
          (41, 184, 219), (255, 255, 255)]
DEFAULT_FG, DEFAULT_BG = (220, 220, 220), (24, 24, 28)
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def xterm256(n):
    if n < 8:
        return PALETTE[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        return tuple(0 if c == 0 else 55 + 40 * c for c in (n // 36, (n // 6) % 6, n % 6))
    return (8 + 10 * (n - 232),) * 3


def parse(lines, columns):
    """Yields rows of (char, fg, bg, bold, dim, reverse, underline)."""
    fg, bg, bold, dim, rev, und = None, None, False, False, False, False
    rows = []
    for line in lines:
        cells, pos = [], 0
        for match in list(SGR.finditer(line)) + [None]:
            end = match.start() if match else len(line)
            for ch in line[pos:end]:
                cells.append((ch, fg, bg, bold, dim, rev, und))
            if not match:
                break
            pos = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).split(";")] or [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg, bg, bold, dim, rev, und = None, None, False, False, False, False
                elif c == 1: bold = True
                elif c == 2: dim = True
                elif c == 4: und = True
                elif c == 7: rev = True
                elif c == 22: bold = dim = False
                elif c == 24: und = False
                elif c == 27: rev = False
                elif 30 <= c <= 37: fg = PALETTE[c - 30]
                elif 90 <= c <= 97: fg = BRIGHT[c - 90]
                elif 40 <= c <= 47: bg = PALETTE[c - 40]
                elif 100 <= c <= 107: bg = BRIGHT[c - 100]
                elif c == 39: fg = None
                elif c == 49: bg = None
                elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                    color = xterm256(codes[i + 2])
                    if c == 38: fg = color
                    else: bg = color
                    i += 2
                i += 1
        cells += [(" ", None, None, False, False, False, False)] * max(0, columns - len(cells))
        rows.append(cells[:columns])
    return rows


def main():
    source, target, columns, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    lines = open(source, encoding="utf-8", errors="replace").read().split("\n")[:rows]
    lines += [""] * (rows - len(lines))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 15)
    bold_font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 15)
    cw, ch = 9, 19
    image = Image.new("RGB", (columns * cw + 16, rows * ch + 16), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(parse(lines, columns)):
        for x, (char, fg, bg, bold, dim, rev, und) in enumerate(row):
            fore, back = fg or DEFAULT_FG, bg or DEFAULT_BG
            if rev:
                fore, back = back, fore
            if dim:
                fore = tuple(int(c * 0.6) for c in fore)
            left, top = 8 + x * cw, 8 + y * ch
            if back != DEFAULT_BG:
                draw.rectangle([left, top, left + cw - 1, top + ch - 1], fill=back)
            if char != " ":
                draw.text((left, top + 1), char, font=bold_font if bold else font, fill=fore)
            if und:
                draw.line([left, top + ch - 2, left + cw - 1, top + ch - 2], fill=fore)
    image.save(target)


if __name__ == "__main__":
    main()

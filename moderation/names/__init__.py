"""Finding names of protected people in a prompt, whatever the spelling, without looping over the names.

A registry entry (a name or one of its aliases) is found when the prompt writes it plainly or
possessively ("Obama's"), in any case, with look-alike letters of another alphabet, invisible
characters, full-width letters or small capitals (core.text.canonical and fold undo those), letters
in boxes, struck through or drawn out, upside down, or with a nickname in quotes between its words
("🅼🅰🆁🅸", "M̶a̶r̶isol", "Quenbyyyy", "ɐɯɐqO", 'Elon "rocket man" Musk': `plain_readings`, which the
consent gate reads too), in leetspeak ("B4r4ck 0b4m4", "T@yl0r $w1ft"), spaced or dotted out ("T a y l o r S w i f t",
"O.b.a.m.a"), joined ("TaylorSwift", "#BarackObama", "taylor_swift"), with punctuation between its words but a
sentence's end ("Taylor; Swift", "Taylor/Swift", "Taylor | Swift"), a word cut in two ("tay lor
swift", "Tay lor Swift"), surname first ("Musk, Elon", and under stricter rules "Musk Elon") or with a
letter or two wrong ("Barak Obama",
"Tayler Swfit"). A multi-word name is only found whole: "Swift", "Taylor" or "Jordan" alone name
nobody. A single word is enough when it is a whole entry: a one-word name or alias ("Beyoncé", "Obama");
moderation.selectors passes the registry's names and aliases, and the display names of protected
cameo owners only when they have at least two words.

The package: `common` (who a name means and how it was written), `reading` (a prompt read into
words), `index` (NameIndex: matching without a loop over the names), `words` (ordinary words that
are also names).
"""

from __future__ import annotations

from moderation.names.common import HOWS, Hit, Person, normalise
from moderation.names.index import HAN, NameIndex
from moderation.names.reading import plain_readings

__all__ = ["HAN", "HOWS", "Hit", "NameIndex", "Person", "normalise", "plain_readings"]

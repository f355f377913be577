"""How a written name is probably said: guesses from the spelling rules of its orthography.

``said_guesses``  spellings, as an English reader would read them, of how ``name`` is
                  probably said ("Siobhan" → "shivan", "Wojciech" → "voycheh")

A recognizer writes what it hears in English spelling, so a name whose spelling does not say
its sound in English ("Aoife", "Nguyen", "Xiaoming") is heard as words that look nothing like
it. Each orthography below is a short list of its general spelling rules (Irish bh/mh → v,
Polish cz → ch, pinyin x → sh, ...), rewritten to English letters; a word is read by an
orthography only when it bears that orthography's marks (its letters, diacritics or
clusters), because the same letters mean other sounds elsewhere (w is v in Polish, w in
Yoruba). The spotter listens for the guesses as it does for a taught pronunciation. These
are rules of writing systems, not a list of names: a name no rule reads is left as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from loopnote.types import without_accents

MAX_GUESSES = 4  # spellings per word (orthographies with the rarer marks first)


@dataclass(frozen=True)
class Orthography:
    name: str
    marks: re.Pattern[str]  # a word bearing any of these is read by this orthography
    rules: tuple[tuple[str, str], ...]  # (pattern, English spelling), applied in order
    tones: bool = False  # tone marks say nothing an English reader can say: dropped first


def _o(name: str, marks: str, rules: Sequence[tuple[str, str]], tones: bool = False) -> Orthography:
    return Orthography(name, re.compile(marks), tuple(rules), tones)


# Vowels as most languages outside English read them (Spanish, Italian, Japanese, Yoruba,
# Hindi in Latin letters, ...): the last step of the orthographies that use them.
_VOWELS: tuple[tuple[str, str], ...] = (
    (r"ai|ay(?![aeiou])", "eye"),
    (r"au", "ow"),
    (r"ei|ey(?![aeiou])", "ay"),
    (r"e$", "ay"),
    (r"e(?=[aiou]|[^aeiou][aeiou])", "ay"),
    (r"i(?=[aeou])", "y"),
    (r"i", "ee"),
    (r"u", "oo"),
    (r"o$", "oh"),
)
_SLENDER = "eiéí"
ORTHOGRAPHIES: tuple[Orthography, ...] = (
    _o(
        "irish",
        r"bh|mh|dh|gh|aoi|ao|ái|ío|ín$|^oi|sio|sea|adh|aig$|eo",
        [
            (r"aoi|ao", "ee"),
            (r"(?<=.)[ae]?[dg]h(?=[^aeiouáéíóú])", "ai"),  # Tadhg, Sadhbh
            (r"aig$", "ig"),
            (r"ái", "aw"),
            (r"[bm]h", "v"),
            (r"[dg]h|fh", ""),
            (r"th|sh", "h"),
            (r"ph", "f"),
            (rf"s(?=[{_SLENDER}])|(?<=[{_SLENDER}])s", "sh"),
            (r"io|ui", "i"),
            (r"eo", "o"),
            (r"ea", "a"),
            (r"ia", "ee"),
            (r"oi", "o"),
            (r"á", "aw"),
            (r"í", "ee"),
            (r"ú", "oo"),
            (r"é", "ay"),
            (r"ó", "oh"),
            (r"c", "k"),
            (r"e$", "a"),
        ],
    ),
    _o(
        "vietnamese",
        r"[ăâđơư\u0323\u0309\u031b]|[ũĩỹ]|[êô]$|^ngu?|^nh|uy|^tr|^ph|nh$",
        [
            (r"^ngh?(?=[uư])", ""),
            (r"^ngh?", "ng"),
            (r"uyê|uye", "wi"),
            (r"uy", "wee"),
            (r"ươ|uo", "uh"),
            (r"đ", "d"),
            (r"^d|^gi", "z"),
            (r"^x", "s"),
            (r"^tr", "ch"),
            (r"^th", "t"),
            (r"^kh", "k"),
            (r"^ph", "f"),
            (r"^qu", "kw"),
            (r"nh$", "n"),
            (r"ch$", "k"),
            (r"ê", "ay"),
            (r"ô", "oh"),
            (r"ư", "u"),
            (r"u", "oo"),
            (r"i$", "ee"),
        ],
        tones=True,
    ),
    _o(
        "polish",
        r"[łąęśćźżń]|szcz|cz|sz|rz|wsk|ski$|cki$|wicz|[aeo]j|ci[aeou]|si[aeou]|ow[aeiy]|^wo|yk$",
        [
            (r"szcz", "shch"),
            (r"(?<=[ptkgb])rz", "zh"),
            (r"rz$", "sh"),
            (r"rz|ż|ź|zi(?=[aeiouó])", "zh"),
            (r"cz|ć|ci(?=[aeiouó])", "ch"),
            (r"sz|ś|si(?=[aeiouó])", "sh"),
            (r"ch", "h"),
            (r"ni(?=[aeiouó])", "ny"),
            (r"ń", "n"),
            (r"ł", "w"),
            (r"ą", "on"),
            (r"ę", "en"),
            (r"ó", "oo"),
            (r"w(?=[kpstcf]|$)", "f"),
            (r"w", "v"),
            (r"j", "y"),
            (r"ie", "ye"),
            (r"c(?!h)", "ts"),
            (r"(?<=[^aeiou])y", "i"),
        ],
    ),
    _o(
        "nordic",
        r"[øåæöäðþ]|aa|qv|sj|kj|hj|bj|fj|dj|gj|sen$|sson$|dott?ir",
        [
            (r"skj|sj|kj", "sh"),
            (r"hj|gj|dj", "y"),
            (r"(?<=[bfkptv])j", "y"),
            (r"^j", "y"),
            (r"ø|ö", "u"),
            (r"å|aa", "aw"),
            (r"æ|ä", "e"),
            (r"ð|þ", "th"),
            (r"qv|q", "kv"),
            (r"ie", "ee"),
            (r"au", "ow"),
            (r"ei", "ay"),
            (r"í", "ee"),
            (r"ó", "oh"),
            (r"ú", "oo"),
        ],
    ),
    _o(
        "pinyin",
        r"^(x[iu]|qi|zh)|[^s]x[iu]|zh|iao|ian|iang|uo|ui$|iu$",
        [
            (r"x", "sh"),
            (r"q", "ch"),
            (r"zh", "j"),
            (r"(?<![sc])h?i(?=ng)", "i"),
            (r"iang", "yahng"),
            (r"ian", "yen"),
            (r"ia", "ya"),
            (r"iu", "yo"),
            (r"ui", "way"),
            (r"uo", "wo"),
            (r"ou", "oh"),
            (r"ao", "ow"),
            (r"ai", "eye"),
            (r"ei", "ay"),
            (r"c", "ts"),
            (r"(?<=[jyl])i$|^yi|(?<=[^aeiou])i$", "ee"),
        ],
    ),
    _o(
        "welsh",
        r"dd|^ll|[ŵŷâ]|^rh|wy|ydd|yn$|^si[aâ]n$",
        [
            (r"dd", "th"),
            (r"ll", "hl"),
            (r"f(?!f)", "v"),
            (r"ff", "f"),
            (r"si(?=[aâ])", "sh"),
            (r"(?<=[^aeiouw])w(?=[^aeiou]|$)", "oo"),
            (r"u", "ee"),
            (r"y(?=[^aeiou]+$)", "i"),
            (r"y", "uh"),
            (r"[âa]", "a"),
        ],
    ),
    _o(
        "hungarian",
        r"zs|cs|sz|gy|ő|ű",
        [
            (r"zs", "zh"),
            (r"cs", "ch"),
            (r"sz", "\0"),
            (r"s", "sh"),
            (r"\0", "s"),
            (r"gy", "dy"),
            (r"ly", "y"),
            (r"c", "ts"),
            (r"j", "y"),
            (r"[öő]", "ur"),
            (r"[üű]", "ew"),
            (r"á", "ah"),
            (r"é", "ay"),
            (r"í", "ee"),
            (r"ó", "oh"),
            (r"ú", "oo"),
        ],
    ),
    _o(
        "czech/slovak",
        r"[řžščěůťďň]",
        [
            (r"ř", "rzh"),
            (r"ž", "zh"),
            (r"š", "sh"),
            (r"č", "ch"),
            (r"ě", "ye"),
            (r"ch", "kh"),
            (r"j", "y"),
            (r"c", "ts"),
            (r"[íý]", "ee"),
            (r"[ůú]", "oo"),
            (r"á", "ah"),
            (r"ó", "oh"),
            (r"é", "ay"),
        ],
    ),
    _o(
        "turkic",
        r"[çşğıə]",
        [
            (r"ç", "ch"),
            (r"ş", "sh"),
            (r"ğ", ""),
            (r"ı", "u"),
            (r"ə", "a"),
            (r"c", "j"),
            (r"j", "zh"),
            (r"ö", "ur"),
            (r"ü", "ew"),
            (r"x", "kh"),
        ],
    ),
    _o(
        "portuguese",
        r"[ãõ]|lh|nh|ão|eira|^j[oa]|eus$",
        [
            (r"o(?=[ãa])", "w"),
            (r"ão", "ow"),
            (r"õe", "oyn"),
            (r"lh", "ly"),
            (r"nh", "ny"),
            (r"^j", "zh"),
            (r"ç", "s"),
            (r"s$", "sh"),
            (r"ei", "ay"),
            (r"ou", "oh"),
            (r"e(?=[uo])", "ay"),
            (r"u", "oo"),
            (r"(?<=[^aeiou])i(?=[^aeiou])", "ee"),
        ],
    ),
    _o(
        "spanish",
        r"[ñáéíóú]|ll|qu[ei]|gu[ei]|ez$|^x[aeiou]|^j[aeiou].*[aeo]$|[aeiou]j[aeiou]|rr|z$",
        [
            (r"j[ou](?=[aeiouáéíóú])", "hw"),
            (r"^x(?=[aeiou])|j", "h"),
            (r"^h", ""),
            (r"ll", "y"),
            (r"ñ", "ny"),
            (r"qu(?=[eéií])", "k"),
            (r"gu(?=[eéií])", "g"),
            (r"z|c(?=[eéií])", "s"),
            (r"c", "k"),
            (r"v", "b"),
            (r"á", "a"),
            (r"é", "e"),
            (r"í", "ee"),
            (r"ó", "o"),
            (r"ú", "oo"),
            *_VOWELS,
        ],
    ),
    _o(
        "korean",
        r"eo|eu(?!s$)|^[^aeiou]*ae|yeo",
        [
            (r"yeo", "yu"),
            (r"eo", "aw"),
            (r"eu", "oo"),
            (r"ae", "e"),
            (r"i$", "ee"),
        ],
    ),
    # Vowels read as most languages outside English do: a word of open syllables, several
    # of them, not written the English way ("Olamide", "Haruto", "Priyanka").
    _o(
        "open-syllable",
        r"^[^aeiou]{0,2}(?:[aeiou][^aeiou]{1,2}){2,}[aeiou][^aeiou]?$",
        [(r"ph", "f"), *_VOWELS],
    ),
)


def _fold(s: str) -> str:
    kept = without_accents(s)
    return re.sub(r"[^a-z]", "", kept.replace("ø", "o").replace("ł", "l").lower())


_TONES = re.compile("[\u0300\u0301\u0303\u0309\u0323]")


def _read(word: str, ortho: Orthography) -> str:
    """The word read by ``ortho``: rules match the written (lower-case) letters and write
    upper case, so a rule never reads what an earlier rule wrote."""
    out = word
    if ortho.tones:
        out = unicodedata.normalize("NFC", _TONES.sub("", unicodedata.normalize("NFD", out)))
    for pattern, spelled in ortho.rules:
        out = re.sub(pattern, spelled.upper(), out)
    return _fold(out.replace("\0", "s"))


@lru_cache(maxsize=1024)
def word_guesses(word: str) -> tuple[str, ...]:
    """English-reading spellings of one written word, by each orthography whose marks it
    bears (none when no rule reads it otherwise than as written)."""
    w = unicodedata.normalize("NFC", word.strip().lower())
    plain = _fold(w)
    out: list[str] = []
    for ortho in ORTHOGRAPHIES:
        if not (ortho.marks.search(w) or ortho.marks.search(unicodedata.normalize("NFD", w))):
            continue
        guess = _read(w, ortho)
        if len(guess) >= 2 and guess != plain and guess not in out:
            out.append(guess)
    return tuple(out[:MAX_GUESSES])


def said_guesses(name: str) -> tuple[str, ...]:
    """Spellings of how ``name`` (one word or several) is probably said, e.g. "Caoimhe
    Gallagher" → ("keeva gallagher", ...): each word read by its guesses, the others kept."""
    words = name.split()
    if not words:
        return ()
    out: list[str] = []
    for k, word in enumerate(words):
        for guess in word_guesses(word):
            said = " ".join([*words[:k], guess, *words[k + 1 :]])
            if said not in out:
                out.append(said)
    if len(words) > 1:  # every word read by its first guess
        both = " ".join((word_guesses(w) or (w,))[0] for w in words)
        if both != name and both not in out:
            out.append(both)
    return tuple(out)

"""LaTeX in bibliography fields, read as a reader should see it.

Reference managers export LaTeX: accents in every spelling (``\\'{\\i}``,
``{\\"o}``, ``\\c{c}``), ``\\url{}`` and ``\\href{}{}``, math (``$C_p$``,
``$O(n^2)$``), emphasis (``\\emph{}``, ``{\\it …}``), package macros of the
journal (``\\pkg{ggmap}``) and escaped URLs (``{\\_}``, ``{~}``). This module
parses such a field into a small tree and renders it as HTML (inert to Markdown,
see :func:`report_engine.citestyles.md_escape`) or as plain text. Nothing of LaTeX's
syntax survives: no backslash, brace or ``$`` reaches a reader; a macro it
does not know is reduced to its argument.

Math reads as Unicode text, in the HTML (inside ``<span class="math">``) as in the
plain text of RIS, CSL, the feed and search: ``$\\mathbb{R}^3$`` is ``ℝ³``,
``$\\mathcal{V}$`` ``𝒱``, ``$(\\log n)^{\\Omega(1)}$`` ``(log n)^(Ω(1))`` (digits
and signs take Unicode's super- and subscripts, anything else ``^(…)``/``_(…)``),
``$\\hat{x}$`` ``x̂``. Symbols this module does not name are looked up in
pylatexenc's table (imported on the first such symbol). Math that Better BibTeX
escaped (``\\$\\mathcal\\{V\\}\\$``, ``{\\$}…{\\$}``) is read as math again when
what the escaped dollars enclose looks like math, not like prices (see
:func:`unescape_math`). Spaces inside math read as written (``\\log n``).
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Union

import latexcodec  # noqa: F401  (registers the "ulatex" codecs)

# Accent commands and the combining character each puts on the next letter.
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
           ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "d": "\u0323",
           "b": "\u0331", "r": "\u030a", "k": "\u0328", "t": "\u0361"}
SYMBOLS = {
    "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ",
    "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ",
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ", ",": "\u2009",
    ";": " ", ":": " ", "!": "", "/": "", "-": "", "\\": " ", "@": "", "slash": "/",
    "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "textellipsis": "…",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“", "textquotedblright": "”",
    "textasciitilde": "~", "textasciicircum": "^", "textbackslash": "\\", "textbar": "|",
    "textless": "<", "textgreater": ">", "textregistered": "®", "texttrademark": "™",
    "textcopyright": "©", "copyright": "©", "S": "§", "P": "¶", "pounds": "£", "euro": "€",
    "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "LaTeXe": "LaTeX2ε", "space": " ",
    "quad": " ", "qquad": " ", "enspace": " ", "thinspace": "\u2009", "nobreakspace": "\u00a0",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω", "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃",
    "equiv": "≡", "infty": "∞", "rightarrow": "→", "to": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "leftrightarrow": "↔", "mapsto": "↦", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "neg": "¬", "wedge": "∧",
    "vee": "∨", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√",
    "log": "log", "ln": "ln", "exp": "exp", "min": "min", "max": "max", "sin": "sin", "cos": "cos",
    "lim": "lim", "det": "det", "Pr": "Pr", "ell": "ℓ", "hbar": "ℏ", "emptyset": "∅", "varnothing": "∅",
    "circ": "∘", "bullet": "•", "star": "⋆", "ast": "∗", "prime": "′", "langle": "⟨", "rangle": "⟩",
    "lvert": "|", "rvert": "|", "vert": "|", "mid": "|", "colon": ":", "degree": "°", "textdegree": "°",
    "%": "%", "textsuperscript": "",
}
STYLES = {"emph": "em", "textit": "em", "textsl": "em", "mathit": "em", "textbf": "strong", "mathbf": "strong",
          "bm": "strong", "boldsymbol": "strong", "texttt": "code", "mathtt": "code", "textsc": "sc",
          "textsuperscript": "sup", "textsubscript": "sub"}
DECLARATIONS = {"it": "em", "em": "em", "itshape": "em", "sl": "em", "slshape": "em", "bf": "strong",
                "bfseries": "strong", "tt": "code", "ttfamily": "code", "sc": "sc", "scshape": "sc",
                "rm": None, "rmfamily": None, "normalfont": None, "upshape": None, "mdseries": None,
                "sf": None, "sffamily": None, "small": None, "footnotesize": None, "large": None,
                "Large": None, "tiny": None, "scriptsize": None, "normalsize": None, "huge": None}
DROPPED_WITH_ARGUMENT = {"noopsort", "nocite", "label", "hspace", "vspace", "hyphenation", "index",
                         "footnote", "pagebreak", "linebreak", "setlength", "addtolength", "phantom"}
URL_COMMANDS = {"url", "path", "doi"}
# Math alphabets and the Unicode name of their letters ("MATHEMATICAL SCRIPT CAPITAL V" is 𝒱); the
# letters Unicode had before (ℝ, ℬ, ℭ) are named without "MATHEMATICAL", fraktur's as BLACK-LETTER.
ALPHABETS = {"mathbb": "DOUBLE-STRUCK", "mathds": "DOUBLE-STRUCK", "mathbbm": "DOUBLE-STRUCK",
             "Bbb": "DOUBLE-STRUCK", "mathcal": "SCRIPT", "mathscr": "SCRIPT", "mathfrak": "FRAKTUR"}
# Accents of math mode (on the first letter; \overline on every one).
MATH_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303", "bar": "\u0304",
                "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "check": "\u030c", "breve": "\u0306",
                "acute": "\u0301", "grave": "\u0300", "mathring": "\u030a"}
# Operator names and delimiters of math mode not among SYMBOLS ("\left" and sizes read as nothing).
MATH_WORDS = {"tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc", "arg": "arg", "deg": "deg", "dim": "dim",
              "gcd": "gcd", "inf": "inf", "sup": "sup", "ker": "ker", "hom": "hom", "lg": "lg", "liminf": "lim inf",
              "limsup": "lim sup", "argmin": "argmin", "argmax": "argmax", "sinh": "sinh", "cosh": "cosh",
              "tanh": "tanh", "arcsin": "arcsin", "arccos": "arccos", "arctan": "arctan", "left": "", "right": "",
              "big": "", "Big": "", "bigg": "", "Bigg": "", "bigl": "", "bigr": "", "Bigl": "", "Bigr": "",
              "displaystyle": "", "textstyle": "", "limits": "", "nolimits": "", "|": "‖", "Vert": "‖"}

Node = Union[str, "Span"]


@dataclass
class Span:
    """Styled or linked text: ``tag`` is em, strong, code, sc, sub, sup, math, a, or None (a group)."""

    tag: str | None
    children: list[Node] = field(default_factory=list)
    href: str | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def sequence(self, stop: str | None, math: bool = False) -> list[Node]:
        out: list[Node] = []
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                out.append("".join(buffer))
                buffer.clear()

        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "}":
                self.pos += 1
                if stop == "}":
                    break
                continue                                    # a stray brace: dropped
            if self.closes(stop):
                break
            flush_needed = c in "{$\\" or (math and c in "^_")
            if flush_needed:
                flush()
            if c == "{":
                self.pos += 1
                out.append(self.group())
            elif c == "$":
                self.pos += 1
                if self.peek() == "$":
                    self.pos += 1
                out.append(Span("math", self.sequence("$", math=True)))
            elif c == "\\":
                out.extend(self.command(math))
            elif math and c in "^_":
                self.pos += 1
                out.append(Span("sup" if c == "^" else "sub", self.argument(math)))
            elif c == "~":
                self.pos += 1
                buffer.append("\u00a0")
            elif c == "-" and not math:
                run = len(self.text[self.pos:]) - len(self.text[self.pos:].lstrip("-"))
                self.pos += run
                buffer.append({1: "-", 2: "–"}.get(run, "—"))
            elif c in "`'" and self.peek(1) == c and not math:
                self.pos += 2
                buffer.append("“" if c == "`" else "”")
            elif c == "`" and not math:
                self.pos += 1
                buffer.append("‘")
            else:
                self.pos += 1
                buffer.append(c)
        flush()
        return out

    def closes(self, stop: str | None) -> bool:
        """At the end of math (``$``, ``$$``, ``\\)``, ``\\]``): step over it."""
        if stop == "$" and self.peek() == "$":
            self.pos += 2 if self.peek(1) == "$" else 1
            return True
        if stop in ("\\)", "\\]") and self.text.startswith(stop, self.pos):
            self.pos += 2
            return True
        return False

    def group(self) -> Span:
        """A braced group; a leading declaration (``{\\it …}``) styles it."""
        saved = self.pos
        if self.peek() == "\\":
            name = self._name(self.pos + 1)
            if name in DECLARATIONS:
                self.pos += 1 + len(name)
                while self.peek() in (" ", "\t", "\n"):
                    self.pos += 1                           # the space that ends the declaration's name
                return Span(DECLARATIONS[name], self.sequence("}"))
        self.pos = saved
        return Span(None, self.sequence("}"))

    def _name(self, start: int) -> str:
        end = start
        while end < len(self.text) and self.text[end].isalpha():
            end += 1
        if end == start and start < len(self.text):
            end = start + 1
        return self.text[start:end]

    def argument(self, math: bool = False) -> list[Node]:
        """The next argument: a braced group, or one character (spaces skipped)."""
        while self.peek() in (" ", "\t", "\n"):
            self.pos += 1
        c = self.peek()
        if not c:
            return []
        if c == "{":
            self.pos += 1
            return self.sequence("}", math=math)
        if c == "\\":
            return self.command(math)
        self.pos += 1
        return [c]

    def raw_argument(self) -> str:
        """A braced argument as written (for URLs), braces balanced."""
        while self.peek() in (" ", "\t", "\n"):
            self.pos += 1
        if self.peek() != "{":
            return ""
        depth, start = 0, self.pos
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "\\":
                self.pos += 2
                continue
            depth += 1 if c == "{" else -1 if c == "}" else 0
            self.pos += 1
            if depth == 0:
                break
        return self.text[start + 1:self.pos - 1]

    def command(self, math: bool) -> list[Node]:
        name = self._name(self.pos + 1)
        self.pos += 1 + len(name)
        if name.isalpha():
            after = self.pos
            while self.peek() in (" ", "\t") and name not in ACCENTS:
                self.pos += 1                               # "\ss x": the space ends the name
            if math and self.peek() != "{":
                self.pos = after                            # in math it reads as written: "\log n"
        if name in ACCENTS and (name in "'`^\"~=." or self.peek() in "{ " or self.peek().isalpha()):
            return [accented(to_text(self.argument(math)), ACCENTS[name])]
        if name in URL_COMMANDS:
            url = clean_url(self.raw_argument())
            return [Span("a", [url], href=url)] if name != "doi" else [Span("a", [url], href=doi_url(url))]
        if name == "href":
            url = clean_url(self.raw_argument())
            return [Span("a", self.argument(math), href=url)]
        if name in STYLES:
            return [Span(STYLES[name], self.argument(math))]
        if name in DECLARATIONS:
            return []                                       # a declaration outside a group: ignore it
        if name in DROPPED_WITH_ARGUMENT:
            self.argument(math)
            return []
        if name in SYMBOLS:
            return [SYMBOLS[name]]
        if name in ALPHABETS:
            return [lettered(to_text(self.argument(math)), ALPHABETS[name])]
        found = self.math_command(name) if math else None
        if found is not None:
            return found
        if name in ("(", "["):                                # \(…\) and \[…\], as DBLP writes math
            return [Span("math", self.sequence("\\)" if name == "(" else "\\]", math=True))]
        if name == "ensuremath":
            return [Span("math", self.argument(True))]
        if self.peek() == "{" or (math and self.peek() and not self.peek().isspace()
                                  and name in ("frac",)):
            arguments: list[Node] = []
            while self.peek() == "{":
                if arguments:
                    arguments.append("/" if name == "frac" else " ")
                arguments.extend(self.argument(math))
            return [Span(None, arguments)]                  # an unknown macro gives way to its argument
        decoded = _latexcodec("\\" + name)
        return [decoded] if decoded is not None else []

    def math_command(self, name: str) -> list[Node] | None:
        """A command only math has: an accent, an operator's name, a symbol of pylatexenc's table."""
        if name in MATH_ACCENTS:
            return [accented(to_text(self.argument(True)), MATH_ACCENTS[name])]
        if name == "overline":
            return ["".join(c + "\u0305" for c in to_text(self.argument(True)))]
        if name in MATH_WORDS:
            return [MATH_WORDS[name]]
        symbol = math_symbol(name) if self.peek() != "{" else None
        return [symbol] if symbol is not None else None


def _latexcodec(command: str) -> str | None:
    try:
        decoded = str(codecs.decode(command, "ulatex")).strip()  # type: ignore[call-overload]  # latexcodec's codec
    except Exception:  # pragma: no cover - latexcodec refuses some input
        return None
    return decoded if decoded and "\\" not in decoded else None


def accented(text: str, mark: str) -> str:
    """``mark`` on the first letter of ``text`` (dotless i and j take it as i and j)."""
    if not text:
        return unicodedata.normalize("NFC", "\u00a0" + mark) if mark else ""
    first = {"ı": "i", "ȷ": "j"}.get(text[0], text[0])
    return unicodedata.normalize("NFC", first + mark) + text[1:]


def clean_url(url: str) -> str:
    """A URL as written in BibTeX: TeX escapes and braces undone (``{\\_}``, ``\\%``, ``{~}``, ``\\~{}``)."""
    for escaped, plain in (("{\\_}", "_"), ("\\_", "_"), ("\\%", "%"), ("\\&", "&"), ("\\#", "#"),
                           ("\\~{}", "~"), ("{\\~}", "~"), ("\\textasciitilde{}", "~"),
                           ("\\textasciitilde", "~"), ("{~}", "~"), ("\\$", "$")):
        url = url.replace(escaped, plain)
    return url.replace("{", "").replace("}", "").strip()


LATEX_SYNTAX = re.compile(r"[\\{}$]")


@functools.lru_cache(maxsize=None)
def math_symbol(name: str) -> str | None:
    """A math symbol pylatexenc knows (``\\lesssim`` is ≲, ``\\otimes`` ⊗), or None.

    pylatexenc is imported here, on the first symbol this module does not name: most bibliographies
    have none, and a build then never pays for the import."""
    if not name:
        return None
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        found = LatexNodes2Text(math_mode="text").latex_to_text("$\\" + name + "$").strip()
    except Exception:  # pragma: no cover - pylatexenc refuses some input
        return None
    return found if found and not LATEX_SYNTAX.search(found) and found != name else None


def lettered(text: str, alphabet: str) -> str:
    """``text`` in a math alphabet (``ℝ``, ``𝒱``, ``𝔤``) where Unicode has the letter, else as it is."""
    return "".join(_letter(c, alphabet) for c in text)


@functools.lru_cache(maxsize=None)
def _letter(c: str, alphabet: str) -> str:
    match = re.fullmatch(r"(?:LATIN (CAPITAL|SMALL) LETTER|(DIGIT)) (\w+)", unicodedata.name(c, ""))
    if not match:
        return c
    kind, letter = match.group(1) or match.group(2), match.group(3)
    older = "BLACK-LETTER" if alphabet == "FRAKTUR" else alphabet
    for name in (f"MATHEMATICAL {alphabet} {kind} {letter}", f"{older} {kind} {letter}"):
        try:
            return unicodedata.lookup(name)
        except KeyError:
            continue
    return c


# Math Better BibTeX escaped as text: ``\$\mathcal\{V\}\$``, ``{\$}(\log n){\$}``, ``{\textbackslash}alpha``.
ESCAPED_MATH = re.compile(r"(?:\{\\\$\}|\\\$)(.+?)(?:\{\\\$\}|\\\$)", re.S)
TEXT_ESCAPES = (("{\\textbackslash}", "\\"), ("\\textbackslash{}", "\\"), ("\\textbackslash ", "\\"),
                ("{\\{}", "{"), ("{\\}}", "}"), ("\\{", "{"), ("\\}", "}"), ("{\\textasciicircum}", "^"),
                ("\\textasciicircum{}", "^"), ("\\^{}", "^"), ("{\\^}", "^"), ("{\\_}", "_"), ("\\_", "_"))
MATH_LIKE = re.compile(r"\\[A-Za-z]+|[\^_]|^[A-Za-z]$")


def unescape_math(latex: str) -> str:
    """Escaped dollars read as math again where what they enclose looks like math: a command, a
    sub- or superscript, or one letter (``\\$n\\$``), with no space just inside the dollars (``\\$5 and
    \\$10`` stays prices)."""
    return ESCAPED_MATH.sub(_as_math, latex) if "\\$" in latex else latex


def _as_math(match: re.Match[str]) -> str:
    inner = match.group(1)
    for escaped, plain in TEXT_ESCAPES:
        inner = inner.replace(escaped, plain)
    if not inner.strip() or inner != inner.strip() or "$" in inner or not MATH_LIKE.search(inner):
        return match.group(0)
    return "$" + inner + "$"


def doi_url(doi: str) -> str:
    return "https://doi.org/" + doi


def parse(latex: str) -> list[Node]:
    return _Parser(unescape_math(latex or "")).sequence(None)


def to_text(nodes: list[Node]) -> str:
    """Plain text of a parsed field (whitespace collapsed)."""
    return " ".join(_text(nodes).split())


SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")


def _text(nodes: list[Node]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        inner = _text(node.children)
        if node.tag in ("sup", "sub"):
            table = SUPERSCRIPT if node.tag == "sup" else SUBSCRIPT
            scripted = inner.translate(table)
            # Plain text has superscripts for digits and signs only; anything else reads as ^x or _x.
            if any(c == o for c, o in zip(scripted, inner) if not c.isspace()):
                scripted = ("^" if node.tag == "sup" else "_") + (inner if len(inner) == 1 else f"({inner})")
            inner = scripted
        out.append(inner)
    return "".join(out)


def to_html(nodes: list[Node], escape: Callable[[str], str]) -> str:
    """Inline HTML of a parsed field; ``escape`` makes text safe for HTML and Markdown."""
    return _collapse(_html(nodes, escape))


TAGS = {"em": ("<em>", "</em>"), "strong": ("<strong>", "</strong>"), "code": ("<code>", "</code>"),
        "sc": ('<span class="small-caps">', "</span>"), "sub": ("<sub>", "</sub>"), "sup": ("<sup>", "</sup>"),
        "math": ('<span class="math">', "</span>")}


def _html(nodes: list[Node], escape: Callable[[str], str]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(escape(node))
        elif node.tag == "a":
            inner = _html(node.children, escape) or escape(node.href or "")
            out.append(f'<a href="{escape(node.href or "")}">{inner}</a>')
        elif node.tag in TAGS:
            start, end = TAGS[node.tag]
            out.append(start + _html(node.children, escape) + end)
        else:
            out.append(_html(node.children, escape))
    return "".join(out)


def _collapse(html: str) -> str:
    return " ".join(html.split())


def text(latex: str) -> str:
    """Plain text of a LaTeX field."""
    return to_text(parse(latex))


def html(latex: str, escape: Callable[[str], str]) -> str:
    return to_html(parse(latex), escape)


def links(nodes: list[Node]) -> list[str]:
    """The URLs a parsed field links to (``\\url``, ``\\href``)."""
    found: list[str] = []
    for node in nodes:
        if isinstance(node, Span):
            if node.tag == "a" and node.href:
                found.append(node.href)
            found += links(node.children)
    return found

"""BuildKit's word expansion (shell/lex.go), form by form, with the exact results BuildKit gives."""

from __future__ import annotations

import pytest

from ci_optimizer.dockerfile.words import ExpansionError, expand, expand_word

ENV = {"A": "a.tar.gz", "E": "", "U": None, "P": "/usr/local/bin", "OS": "linux"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$A", "a.tar.gz"),
        ("${A}", "a.tar.gz"),
        ("pre-${OS}-post", "pre-linux-post"),
        ("$OS$OS", "linuxlinux"),
        ("${A:-x}", "a.tar.gz"),
        ("${E:-x}", "x"),
        ("${U:-x}", "x"),
        ("${NOPE:-x}", "x"),
        ("${E-x}", ""),
        ("${U-x}", "x"),
        ("${A:+y}", "y"),
        ("${E:+y}", ""),
        ("${E+y}", "y"),
        ("${U+y}", ""),
        ("${A#*.}", "tar.gz"),
        ("${A##*.}", "gz"),
        ("${A%.*}", "a.tar"),
        ("${A%%.*}", "a"),
        ("${P##*/}", "bin"),
        ("${P%/*}", "/usr/local"),
        ("${A#nomatch}", "a.tar.gz"),
        ("${A%[.]gz}", "a.tar"),
        ("${A#?}", ".tar.gz"),
        ("${NOPE:-${A%%.*}-x}", "a-x"),
        ('"${OS}"', "linux"),
        ("'${OS}'", "${OS}"),
        ('"false"', "false"),
        ('a"b c"d', "ab cd"),
        ("\\$OS", "$OS"),
        ('"\\$OS"', "$OS"),
        ('"a\\b"', "a\\b"),
        ("$", "$"),
        ("a$-b", "a$-b"),
    ],
)
def test_every_form(word: str, expected: str) -> None:
    assert expand(word, ENV) == expected


def test_escape_directive_changes_the_escape_character() -> None:
    assert expand("c:\\$OS", ENV, escape="`") == "c:\\linux"
    assert expand("`$OS", ENV, escape="`") == "$OS"


def test_empty_names_the_variables_substituted_empty() -> None:
    assert expand_word("binaries-$TARGETOS", {}).empty == ("TARGETOS",)
    assert expand_word("x-${E}-${U}-${OS}", ENV).empty == ("E", "U")
    assert expand_word("${E:-d}", ENV).empty == ()
    assert expand_word("${OS:-$E}", ENV).empty == ()  # the default was not used
    assert expand_word("${NOPE:-$E}", ENV).empty == ("E",)
    assert expand_word("${E%x}", ENV).empty == ("E",)


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${A", "syntax error: missing '}' in '${A'"),
        ("${}", "bad substitution in '${}'"),
        ("${A:x}", "unsupported modifier (:) in substitution in '${A:x}'"),
        ("${A/x/y}", "unsupported modifier (/) in substitution in '${A/x/y}'"),
        ("${U:?set it}", "U: set it"),
        ("'open", "unexpected end of statement while looking for matching single-quote in \"'open\""),
    ],
)
def test_words_buildkit_refuses(word: str, message: str) -> None:
    with pytest.raises(ExpansionError) as caught:
        expand(word, ENV)
    assert str(caught.value) == message

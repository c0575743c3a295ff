"""Tone classifier, question rewordings and the `tone` command."""

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from core.tone import Tone, ToneResult, classify, question_rewordings

DATA = Path(__file__).resolve().parent.parent / "tone" / "data" / "tone_labelled.csv"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Rhetorical questions are challenges.
        ("Isn't that just another buzzword?", Tone.CHALLENGE),
        ("Why would anyone think grades motivate kids?", Tone.CHALLENGE),
        ("Who has time to read every post before sharing it?", Tone.CHALLENGE),
        # Praise followed by criticism is a challenge; praise followed by a question is a question.
        ("great post, but you're wrong", Tone.CHALLENGE),
        ("Great post, but you're wrong about homework.", Tone.CHALLENGE),
        ("great post! how did you get your staff on board?", Tone.QUESTION),
        ("Great post! How did you start?", Tone.QUESTION),
        # Plain thanks is support; a plain report of practice is neutral.
        ("Thanks for sharing!", Tone.SUPPORT),
        ("I tried this in grade 4 last week.", Tone.NEUTRAL),
        # A hedged critical statement is still a challenge.
        ("I'm not sure this works for high school, the data says otherwise.", Tone.CHALLENGE),
    ],
)
def test_hard_cases_from_the_issue(text: str, expected: Tone) -> None:
    assert classify(text).label == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Love this, thank you for writing it.", Tone.SUPPORT),
        ("Couldn't agree more.", Tone.SUPPORT),
        ("I can't wait to try this with my class!", Tone.SUPPORT),
        ("It's not easy, but you make it feel doable. Thank you.", Tone.SUPPORT),
        ("What app do you use for portfolios?", Tone.QUESTION),
        ("I wonder how this would look in kindergarten.", Tone.QUESTION),
        ("Not sure I follow the second point — could you explain it?", Tone.QUESTION),
        ("Would this work in a small rural school?", Tone.QUESTION),
        ("This will never work in a high school.", Tone.CHALLENGE),
        ("I disagree. Kids need direct instruction first.", Tone.CHALLENGE),
        ("Reading logs kill the love of reading.", Tone.CHALLENGE),
        ("The data doesn't support removing grades.", Tone.CHALLENGE),
        ("Our library budget was cut again this year.", Tone.NEUTRAL),
        ("My students don't have email accounts.", Tone.NEUTRAL),
        ("", Tone.NEUTRAL),
    ],
)
def test_each_label(text: str, expected: Tone) -> None:
    assert classify(text).label == expected


def test_result_carries_confidence_and_reasons() -> None:
    result = classify("Great post, but you're wrong about homework.")
    assert isinstance(result, ToneResult)
    assert result.label == "challenge"  # Tone is a str enum: stores and compares as plain text
    assert 0.0 < result.confidence <= 1.0
    assert any("you're wrong" in reason for reason in result.reasons)


def test_neutral_reply_explains_that_no_cues_were_found() -> None:
    result = classify("Our staff meeting is on Thursday.")
    assert result.label == Tone.NEUTRAL
    assert result.reasons == ("no praise, question or criticism cues",)


def test_importable_without_django_settings() -> None:
    code = "from core.tone import classify; print(classify('Thanks for sharing!').label)"
    env = {"PATH": "", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert done.stdout.strip() == "support"


def test_issue_example_rewordings() -> None:
    assert question_rewordings("This will never work in a high school.") == [
        "What makes you confident this would work in a high school?",
        "How have you seen this work in a high school?",
        "What would it take for this to work in a high school?",
    ]


CHALLENGES = [
    "This will never work in a high school.",
    "I'm not sure this works for high school, the data says otherwise.",
    "Isn't that just another buzzword?",
    "Why would anyone think grades motivate kids?",
    "Great post, but you're wrong about homework.",
    "Peer feedback doesn't work with seventh graders.",
    "I think student-led conferences are a waste of time.",
    "Honestly, digital portfolios are just busywork for teachers.",
    "Project-based learning won't prepare kids for exams.",
    "This ignores how little planning time most teachers get.",
    "Why would a principal give up a staff meeting for this?",
    "I doubt that genius hour helps struggling readers.",
    "Who actually reads all these blog posts?",
    "Nice idea, but our district would never approve it.",
    "Love your work, but gamification is overrated.",
    "That's easy to say when you have a full-time tech coach.",
    "The research on homework doesn't support this.",
    "You can't expect librarians to run a makerspace alone.",
    "Social media is a distraction, not a learning tool.",
    "Sounds great in theory, but my students can't even log in.",
    "Why do we keep buying devices nobody uses?",
    "Reading workshop fails kids who need phonics.",
    "I respectfully disagree, choice boards overwhelm my students.",
    "Isn't flexible seating mostly about looks?",
    "This approach assumes every parent reads email.",
    "Does anyone really believe badges motivate teenagers?",
    "I'm not convinced rubrics help students think.",
    "the whole innovator's mindset thing is overhyped imo",
    "How is this supposed to help kids who can't read yet?",
    "It's unrealistic to expect teachers to blog every week.",
    "Kids need structure, not more freedom.",
    "Genius hour is a nice idea but it doesn't work with a packed curriculum.",
    "That might work in your school, but it won't work in mine.",
    "This might be fine for elementary, but it falls apart in high school.",
    "Since when is failure something we should celebrate?",
    "Shouldn't we fix the basics before chasing innovation?",
    "What's the point of blogging if nobody reads it?",
    "I'm not sure that's true, most of my students prefer paper.",
    "Easier said than done.",
]
TEMPLATE_WORDS = frozenset(
    str.split(
        "what which where when how have seen would take makes make confident shows that this with your you about "
        "respond concern someone finds feels answer more than been like does work well time"
    )
)


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z][a-z'-]+", text.lower()) if len(word) >= 4}


@pytest.mark.parametrize("text", CHALLENGES)
def test_rewordings_are_distinct_questions_built_from_the_reply(text: str) -> None:
    assert classify(text).label == Tone.CHALLENGE
    questions = question_rewordings(text)
    assert 2 <= len(questions) <= 3
    assert len({q.lower() for q in questions}) == len(questions)
    reply_words = _words(text) - TEMPLATE_WORDS
    for question in questions:
        assert question.endswith("?")
        assert question.count("?") == 1
        assert question[0].isupper()
        assert "  " not in question
        assert not re.search(r"\b(\w+) \1\b", question.lower()), question
        assert reply_words & _words(question), question


@pytest.mark.parametrize(
    "text",
    [
        "This will never work in a high school.",
        "Peer feedback doesn't work with seventh graders.",
        "This approach won't scale beyond a single classroom.",
        "I'm skeptical that blogging improves writing at all.",
    ],
)
def test_rewordings_drop_the_negation_and_hedges(text: str) -> None:
    for question in question_rewordings(text):
        assert not re.search(r"\b(?:never|won't|doesn't|skeptical|at all)\b", question), question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Isn't that just another buzzword?", "What makes this more than another buzzword?"),
        ("Why would anyone think grades motivate kids?", "How have you seen grades motivate kids?"),
        (
            "I'm not sure this works for high school, the data says otherwise.",
            "How have you seen this work for high school?",
        ),
        (
            "That might work in your school, but it won't work in mine.",
            "How have you seen this work in a school like mine?",
        ),
        (
            "Who has time for this during report card season?",
            "How do you find time for this during report card season?",
        ),
        ("This ignores the research on cognitive load.", "How does this account for the research on cognitive load?"),
        (
            "Genius hour is a nice idea but it doesn't work with a packed curriculum.",
            "How have you seen genius hour work with a packed curriculum?",
        ),
    ],
)
def test_rewording_transforms_the_claim(text: str, expected: str) -> None:
    assert expected in question_rewordings(text)


def test_rewordings_keep_names_and_acronyms() -> None:
    questions = question_rewordings("Twitter chats are mostly the same people agreeing with each other.")
    assert any("Twitter chats" in q for q in questions)
    assert any("PD" in q for q in question_rewordings("It's naive to think one PD day will change a school's culture."))


def test_rewordings_of_a_reply_with_no_claim_ask_the_author_to_explain() -> None:
    questions = question_rewordings("Respectfully, I think you're wrong here.")
    assert len(questions) == 2
    assert all(q.endswith("?") for q in questions)
    assert question_rewordings("   ") == []


def test_tone_command_prints_one_label_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    replies = "Thanks for sharing!\nIsn't that just another buzzword?\n\nHow did you start?\nI teach grade 4.\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(replies))
    out = io.StringIO()
    call_command("tone", stdout=out)
    assert out.getvalue().splitlines() == ["support", "challenge", "neutral", "question", "neutral"]


def test_tone_command_explains_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Great post, but you're wrong.\n"))
    out = io.StringIO()
    call_command("tone", "--explain", stdout=out)
    label, confidence, reasons = out.getvalue().rstrip("\n").split("\t")
    assert label == "challenge"
    assert 0 < float(confidence) <= 1
    assert "you're wrong" in reasons


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_labelled_set_is_large_balanced_and_split() -> None:
    rows = _rows()
    assert len(rows) >= 400
    assert len({row["text"] for row in rows}) == len(rows)
    labels = Counter(row["label"] for row in rows)
    assert set(labels) == {tone.value for tone in Tone}
    assert min(labels.values()) >= 100
    test_share = sum(row["split"] == "test" for row in rows) / len(rows)
    assert 0.2 <= test_share <= 0.3
    assert {row["split"] for row in rows} == {"train", "test"}


def _macro_f1(rows: list[dict[str, str]]) -> float:
    pairs = [(row["label"], classify(row["text"]).label.value) for row in rows]
    scores = []
    for label in (tone.value for tone in Tone):
        tp = sum(gold == label and predicted == label for gold, predicted in pairs)
        fp = sum(gold != label and predicted == label for gold, predicted in pairs)
        fn = sum(gold == label and predicted != label for gold, predicted in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def test_held_out_macro_f1_meets_the_quality_gate() -> None:
    rows = [row for row in _rows() if row["split"] == "test"]
    assert _macro_f1(rows) >= 0.85


def test_held_out_supportive_replies_are_rarely_called_challenges() -> None:
    rows = [row for row in _rows() if row["split"] == "test" and row["label"] == "support"]
    flagged = sum(classify(row["text"]).label == Tone.CHALLENGE for row in rows)
    assert flagged / len(rows) < 0.05

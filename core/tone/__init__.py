"""Offline tone of replies and comments (support, question, challenge, neutral) and question rewordings."""

from core.tone.classifier import Tone, ToneResult, classify
from core.tone.rewording import question_rewordings

__all__ = ["Tone", "ToneResult", "classify", "question_rewordings"]

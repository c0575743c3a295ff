"""Offline tone of replies and comments (support, question, challenge, neutral) and question rewordings."""

from network.tone.classifier import Tone, ToneResult, classify
from network.tone.rewording import question_rewordings

__all__ = ["Tone", "ToneResult", "classify", "question_rewordings"]

"""Public sentiment (contract API): `classify(texts) -> list[Sentiment]` — negative / neutral / positive, the
probability of negative and the crisis emotions (disappointed, angry, deceived, refund, safety, sarcasm) of each
comment, offline and batch-fast; `is_brand(author)` tells the brand's own replies apart (not public sentiment)."""

from bot.sentiment.brand import is_brand
from bot.sentiment.service import Sentiment, classify

__all__ = ["Sentiment", "classify", "is_brand"]

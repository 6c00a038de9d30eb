"""ShopMind nlp service: sentiment, aspects, entities, keywords, similarity and generation."""

__version__ = "0.1.0"

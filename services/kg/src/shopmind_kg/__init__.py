"""ShopMind kg service: the product knowledge graph."""

__version__ = "0.1.0"

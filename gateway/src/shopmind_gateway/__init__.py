"""ShopMind gateway: the one door to the suite."""

__version__ = "0.1.0"

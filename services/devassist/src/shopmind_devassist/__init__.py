"""ShopMind devassist service: API references, code scaffolds, commit messages, generated tests
and performance advice."""

__version__ = "0.1.0"

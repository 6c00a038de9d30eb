"""ShopMind docgen service: plans, requirement and design docs, status reports and release
notes generated from live project data, as versioned documents."""

__version__ = "0.1.0"

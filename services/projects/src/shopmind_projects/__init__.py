"""ShopMind projects service: projects, milestones, tasks, dependencies, progress and risk."""

__version__ = "0.1.0"

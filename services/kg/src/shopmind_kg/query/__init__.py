"""Graph queries under /v1/kg/."""

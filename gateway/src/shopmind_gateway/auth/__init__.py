"""Who is calling (API key or JWT) and what they may do (scopes)."""

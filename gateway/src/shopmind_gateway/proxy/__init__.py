"""The hot path: match a route, check the caller, forward to the upstream, stream back."""

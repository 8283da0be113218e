"""Local HTTP servers that speak a publish platform's protocol, for tests."""

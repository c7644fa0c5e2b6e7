"""One construct per concern of the platform; the stack composes them."""

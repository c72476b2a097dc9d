"""A local emulator of the SMS and Voice v1 and v2 APIs."""

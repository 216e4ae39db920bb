"""The BACnet/IP side: the stack wrapper, the client that owns it, and COV."""

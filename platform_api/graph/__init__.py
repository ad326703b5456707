"""Talking to Meta: the Graph API client and sending a conversation's messages through it."""

"""Local deploy: run the ``Custom::SmsVoice*`` resources of a synthesized cloud assembly
through the real handler code, with CloudFormation's semantics, against an SMS and Voice
endpoint (the embedded emulator by default).
"""

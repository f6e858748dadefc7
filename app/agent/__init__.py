"""The agent (the slider's top notch): `loop` asks, checks and runs tool calls until done or out
of budget; `tools` holds what each tool is and does."""

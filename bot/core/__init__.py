"""The transport-independent machinery: messages in and out, command routing and arguments, the durable
inbox and outbox, processing, the runtime, the database, the LLM client and the wording renderer."""

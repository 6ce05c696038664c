namespace SharpLM.Chat;

/// <summary>
/// A piece of a rendered conversation, marked with whether it is text the assistant produces.
/// Supervised fine-tuning computes the loss only on assistant pieces (the answer and its end
/// marker), never on the prompt, the headers or the user's words; the pieces concatenated are
/// exactly <see cref="ChatTemplate.Render"/>'s string.
/// </summary>
/// <param name="Text">The text of the piece.</param>
/// <param name="IsAssistant">True for the assistant's answer text and the end-of-turn marker that follows it.</param>
public readonly record struct ChatSpan(string Text, bool IsAssistant);

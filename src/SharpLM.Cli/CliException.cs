namespace SharpLM.Cli;

/// <summary>An error caused by the user's input (a bad option, a missing file); printed without a stack trace.</summary>
public sealed class CliException(string message) : Exception(message);

using System.CommandLine;
using SharpLM.Cli;

namespace SharpLM.Tests;

/// <summary>Runs a <c>sharplm</c> command line in-process, as the tests of the CLI do: parse errors fail the test, exceptions propagate.</summary>
internal static class CliInvocation
{
    /// <summary>Parses <paramref name="args"/> with the real root command and invokes it; returns the exit code.</summary>
    public static int Invoke(params string[] args)
    {
        var parsed = Program.BuildRoot().Parse(args);
        Assert.Empty(parsed.Errors);
        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = TextWriter.Null });
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace SimVae.Cli;

/// <summary>
/// Where a command writes: <see cref="Console"/> (Spectre) for human output on stdout, <see cref="Error"/> for errors,
/// and the output mode: <see cref="Quiet"/> (no progress, no chatter; errors only), <see cref="Json"/> (stdout carries
/// exactly one JSON document: the result, or an error object), <see cref="Verbose"/> (stack traces with errors).
/// </summary>
internal sealed class CliOutput
{
    /// <summary>How JSON results are written: camelCase, indented, numbers as numbers (NaN/∞ as strings).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        TypeInfoResolver = SimVae.Methods.SslMethods.JsonResolver,
    };

    public CliOutput(IAnsiConsole console, TextWriter stdout, TextWriter error, CancellationToken cancellation)
    {
        Console = console;
        Stdout = stdout;
        Error = error;
        Cancellation = cancellation;
    }

    /// <summary>Human-readable output (tables, progress), on stdout.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Raw stdout (for JSON).</summary>
    public TextWriter Stdout { get; }

    /// <summary>Error stream.</summary>
    public TextWriter Error { get; }

    /// <summary>Cancelled by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>No progress or messages; errors only.</summary>
    public bool Quiet { get; set; }

    /// <summary>One JSON document on stdout.</summary>
    public bool Json { get; set; }

    /// <summary>Errors with stack traces.</summary>
    public bool Verbose { get; set; }

    /// <summary>Whether human-readable messages and progress are shown.</summary>
    public bool Chatty => !Quiet && !Json;

    /// <summary>Writes a line of markup unless quiet or JSON.</summary>
    public void Info(string markup)
    {
        if (Chatty) Console.MarkupLine(markup);
    }

    /// <summary>Writes the command's result: as JSON in JSON mode, else through <paramref name="human"/> (skipped when quiet).</summary>
    public void Result(object result, Action human)
    {
        if (Json)
        {
            Stdout.WriteLine(JsonSerializer.Serialize(result, result.GetType(), JsonOptions));
            Stdout.Flush();
        }
        else if (!Quiet)
        {
            human();
        }
    }

    /// <summary>Escapes text for Spectre markup.</summary>
    public static string E(object? text) => Markup.Escape(text?.ToString() ?? "");
}

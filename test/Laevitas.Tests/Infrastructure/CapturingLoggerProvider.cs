using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Keeps every log entry so tests can assert what an operator would read.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> entries = new();

    public IReadOnlyList<LogEntry> Entries => entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record LogEntry(LogLevel Level, string Category, EventId EventId, string Message);

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.entries.Enqueue(new LogEntry(logLevel, category, eventId, formatter(state, exception)));
    }
}

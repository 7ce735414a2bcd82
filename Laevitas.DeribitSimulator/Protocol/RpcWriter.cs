using System.Text.Json;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>Writes JSON-RPC responses the way Deribit frames them (id echoed, usIn/usOut/usDiff, testnet flag).</summary>
internal static class RpcWriter
{
    public static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static void WriteResult(Utf8JsonWriter writer, JsonElement? id, long usIn, bool testnet, Action<Utf8JsonWriter> result)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        WriteId(writer, id);
        writer.WritePropertyName("result");
        result(writer);
        WriteTiming(writer, usIn, testnet);
        writer.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter writer, JsonElement? id, long usIn, bool testnet, RpcError error)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        WriteId(writer, id);
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        if (error.Reason is not null || error.Param is not null)
        {
            writer.WriteStartObject("data");
            if (error.Reason is not null) writer.WriteString("reason", error.Reason);
            if (error.Param is not null) writer.WriteString("param", error.Param);
            writer.WriteEndObject();
        }

        writer.WriteNumber("code", error.Code);
        writer.WriteEndObject();
        WriteTiming(writer, usIn, testnet);
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, JsonElement? id)
    {
        if (id is { } value)
        {
            writer.WritePropertyName("id");
            value.WriteTo(writer);
        }
    }

    private static void WriteTiming(Utf8JsonWriter writer, long usIn, bool testnet)
    {
        var usOut = NowMicros();
        writer.WriteNumber("usIn", usIn);
        writer.WriteNumber("usOut", usOut);
        writer.WriteNumber("usDiff", usOut - usIn);
        writer.WriteBoolean("testnet", testnet);
    }
}

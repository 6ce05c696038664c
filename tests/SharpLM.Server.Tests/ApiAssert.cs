using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI;

namespace SharpLM.Server.Tests;

/// <summary>What the route tests share: an authorized HTTP client, an OpenAI client, JSON bodies, and the OpenAI error-object check.</summary>
internal static class ApiAssert
{
    public static HttpClient Http(Uri baseAddress, string key = ServerFixture.ApiKey)
    {
        var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public static OpenAIClient OpenAI(Uri baseAddress, string key = ServerFixture.ApiKey) =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(baseAddress, "/v1") });

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static StringContent Json(object body) => Json(JsonSerializer.Serialize(body));

    /// <summary>Asserts the response is an OpenAI error object with this status and code, and returns its <c>error</c>.</summary>
    public static async Task<JsonElement> AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }
}

import Foundation

/// What an audio answer is billed by, in "prompt" units: a speech request's input characters; a
/// transcription's seconds of audio, as the upstream reports them (`usage.seconds`, a
/// `verbose_json` answer's `duration`, the last cue of `srt` or `vtt`), rounded up. A
/// transcription that says neither (plain `text`) is billed its estimate (nil usage).
public enum AudioUsage {
    /// - Parameter body: the request's JSON body (a transcription's text fields).
    public static func of(_ endpoint: Endpoint, body: JSONValue, answer: some Collection<UInt8>, contentType: String) -> Usage? {
        switch endpoint {
        case .audioSpeech:
            return Usage(promptTokens: body["input"]?.stringValue?.count ?? 0, completionTokens: 0)
        case .audioTranscriptions:
            if contentType.lowercased().contains("json"), let json = try? JSONCoding.decode(answer) {
                // An upstream's counts, held within bounds like every other usage's.
                if json["usage"]?["type"]?.stringValue == "tokens", json["usage"]?["input_tokens"]?.doubleValue != nil {
                    return Usage(
                        promptTokens: Usage.count(json["usage"]?["input_tokens"]), completionTokens: Usage.count(json["usage"]?["output_tokens"]))
                }
                if let seconds = json["usage"]?["seconds"]?.doubleValue ?? json["duration"]?.doubleValue { return usage(seconds: seconds) }
                return nil
            }
            return lastCueEnd(String(decoding: answer, as: UTF8.self)).map(usage(seconds:))
        default:
            return nil
        }
    }

    static func usage(seconds: Double) -> Usage { Usage(promptTokens: Usage.count(.number(JSONNumber(seconds))), completionTokens: 0) }

    /// The end of the last cue of SubRip (`00:00:01,000 --> 00:00:04,500`) or WebVTT
    /// (`00:01.000 --> 00:04.500`) text, in seconds.
    public static func lastCueEnd(_ text: String) -> Double? {
        guard let line = text.components(separatedBy: "\n").last(where: { $0.contains("-->") }) else { return nil }
        let end = line.components(separatedBy: "-->")[1].trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? ""
        let fields = end.replacingOccurrences(of: ",", with: ".").split(separator: ":").map { Double($0) }
        guard !fields.isEmpty, fields.allSatisfy({ $0 != nil }), fields.count <= 3 else { return nil }
        return fields.reduce(0) { $0 * 60 + $1! }
    }
}

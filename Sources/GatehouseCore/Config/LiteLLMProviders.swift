/// Provider prefixes LiteLLM knows (its `provider_list`, release 1.108) that Gatehouse does not
/// speak. A deployment naming one is skipped with a warning rather than stopping start-up: a
/// LiteLLM configuration starts, and serves the models Gatehouse can reach.
enum LiteLLMProviders {
    static let unsupported: Set<String> = [
        "a2a", "a2a_agent", "ai21", "ai21_chat", "aiml", "aiohttp_openai", "amazon_nova", "anthropic_text", "apertis",
        "assemblyai", "auto_router", "aws_polly", "aws_textract", "azure_ai", "azure_speech", "azure_text", "baseten",
        "bedrock", "bedrock_mantle", "bespoke", "black_forest_labs", "bytez", "cerebras", "charity_engine", "chatgpt", "chutes",
        "clarifai", "cloudflare", "codestral", "cognition", "cohere", "cohere_chat", "cometapi", "compactifai", "coralbricks",
        "cortecs", "cursor", "custom", "darkbloom", "dashscope", "databricks", "databricks_agent", "datarobot", "deepgram",
        "deepinfra", "docker_model_runner", "dotprompt", "edenai", "elevenlabs", "empower", "fal_ai", "featherless_ai",
        "friendliai", "galadriel", "gdc", "gemini", "gigachat", "github", "github_copilot", "gradient_ai", "helicone", "heroku",
        "huggingface", "humanloop", "hyperbolic", "inception", "inferenceapis", "infinity", "jina_ai", "lambda_ai", "langflow",
        "langfuse", "langgraph", "laya", "lemonade", "libertai", "litellm_agent", "manus", "maritalk", "meta", "meta_llama",
        "microsoft_365_copilot", "milvus", "minimax", "modelscope", "mongodb", "moonshot", "morph", "nadir", "nano-gpt",
        "nebius", "neosantara", "nlp_cloud", "novita", "nscale", "nvidia_nim", "nvidia_riva", "oci", "ollama", "oobabooga",
        "ovhcloud", "parasail", "petals", "pg_vector", "pinstripes", "poe", "predibase", "prism", "publicai",
        "qwen_ai_platform", "qwencloud", "ragflow", "recraft", "reducto", "reka", "replicate", "runwayml", "s3_vectors",
        "sagemaker", "sagemaker_chat", "sagemaker_nova", "sail", "sambanova", "sap", "scaledown", "scaleway", "scx-ai",
        "snowflake", "soniox", "stability", "strands_decider", "synthetic", "tencent", "tensormesh",
        "text-completion-codestral", "text-completion-inception", "topaz", "transcribe", "triton", "typesafe", "v0", "valkey",
        "vercel_ai_gateway", "vertex_ai", "vertex_ai_beta", "volcengine", "voyage", "wandb", "watsonx", "watsonx_text",
        "xiaomi_mimo", "zai",
    ]
}

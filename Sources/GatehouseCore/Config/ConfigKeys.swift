/// Known configuration keys, and the LiteLLM keys accepted with a warning.
enum Keys {
    static let top = [
        "model_list", "general_settings", "router_settings", "litellm_settings", "gatehouse_settings", "environment_variables", "jwt_issuers",
        "oauth_introspection", "sso",
    ]
    static let topIgnored: Set<String> = [
        "credential_list", "guardrails", "callback_settings", "assistant_settings", "files_settings", "finetune_settings",
        "mcp_servers", "search_tools", "vector_store_registry", "prompts",
    ]

    static let generalIgnored: Set<String> = [
        "store_model_in_db", "alerting", "alerting_threshold", "alert_types", "proxy_batch_write_at",
        "database_connection_pool_limit", "database_connection_timeout", "disable_spend_logs", "allowed_routes",
        "admin_only_routes", "public_routes", "enforce_user_param", "enable_jwt_auth", "litellm_jwtauth", "ui_access_mode",
        "max_parallel_requests", "global_max_parallel_requests", "infer_model_from_keys", "background_health_checks",
        "health_check_interval", "custom_auth", "forward_openai_org_id", "use_x_forwarded_for",
        "master_key_alias", "disable_master_key_return", "disable_reset_budget", "maximum_spend_logs_retention_period",
        "store_prompts_in_spend_logs", "pass_through_endpoints", "proxy_budget_rescheduler_min_time",
        "proxy_budget_rescheduler_max_time", "key_management_system", "key_management_settings", "user_header_name",
        "enable_oauth2_auth", "enable_oauth2_proxy_auth", "custom_sso", "default_team_disabled", "allow_requests_on_db_unavailable",
    ]

    static let litellmIgnored: Set<String> = [
        "drop_params", "set_verbose", "json_logs", "success_callback", "failure_callback", "callbacks", "service_callback",
        "cache", "cache_params", "default_fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "max_budget",
        "budget_duration", "telemetry", "turn_off_message_logging", "redact_user_api_key_info", "redact_messages_in_exceptions",
        "modify_params", "force_ipv4", "ssl_verify", "default_team_settings", "default_internal_user_params",
        "upperbound_key_generate_params", "default_key_generate_params", "max_internal_user_budget",
        "internal_user_budget_duration", "enable_preview_features", "store_audit_logs", "log_raw_request_response",
        "disable_end_user_cost_tracking", "disable_add_transform_inline_image_block", "request_timeout_seconds",
        "allowed_fails", "cooldown_time", "num_retries_per_request", "disable_cooldowns", "global_disable_no_log_param",
        "use_client_credentials_pass_through_routes", "public_model_groups", "enable_json_schema_validation",
    ]

    static let router = [
        "routing_strategy", "num_retries", "retry_after", "allowed_fails", "cooldown_time", "fallbacks", "timeout", "model_group_alias",
    ]
    static let routerIgnored: Set<String> = [
        "redis_host", "redis_port", "redis_password", "redis_url", "enable_pre_call_checks",
        "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks", "routing_strategy_args",
        "provider_budget_config", "retry_policy", "allowed_fails_policy", "stream_timeout", "default_litellm_params",
        "cache_responses", "cache_kwargs", "disable_cooldowns", "default_max_parallel_requests", "optional_pre_call_checks",
        "model_group_retry_policy", "enable_tag_filtering", "tag_filtering_match_any",
    ]
    static let liteLLMStrategies: Set<String> = [
        "usage-based-routing", "usage-based-routing-v2", "latency-based-routing", "cost-based-routing",
    ]

    static let deployment = ["model_name", "litellm_params", "model_info"]
    static let params =
        [
            "model", "api_base", "api_key", "api_version", "timeout", "stream_timeout", "max_retries", "num_retries", "rpm", "tpm",
            "input_cost_per_token", "output_cost_per_token", "output_cost_per_image", "extra_headers", "mock_response", "mock_latency_ms",
            "mock_chunk_delay_ms", "mock_stream_chunks", "mock_prompt_tokens", "mock_completion_tokens", "mock_report_usage",
            "region_name", "input_cost_per_second", "input_cost_per_character",
        ] + RequestDefaults.names
    static let paramsIgnored: Set<String> = [
        "organization", "drop_params", "additional_drop_params", "aws_access_key_id", "aws_secret_access_key",
        "aws_region_name", "vertex_project", "vertex_location", "vertex_credentials", "custom_llm_provider",
        "use_in_pass_through", "merge_reasoning_content_in_choices", "tags", "weight", "order",
        "cache_control_injection_points", "litellm_credential_name", "base_model", "use_litellm_proxy",
        "configurable_clientside_auth_params", "azure_ad_token", "tenant_id", "client_id", "client_secret", "max_budget",
        "budget_duration", "litellm_trace_id", "output_cost_per_second", "supports_function_calling",
        "mock_timeout", "n",
    ]
    /// `model_info` is free-form metadata in LiteLLM (shown by `/model/info`): these keys mean
    /// something to Gatehouse; any other is kept as metadata.
    static let modelInfo = ["id", "mode", "access_groups", "base_model", "description"]
}

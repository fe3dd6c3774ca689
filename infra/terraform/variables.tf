# ---------------------------------------------------------------------------- cluster access

variable "kubeconfig_path" {
  description = "Path to the kubeconfig file used to reach the existing cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context to use (null = the file's current context)."
  type        = string
  default     = null
}

# --------------------------------------------------------------------------------- release

variable "namespace" {
  description = "Namespace to deploy Fleetscope into."
  type        = string
  default     = "fleetscope"
}

variable "create_namespace" {
  description = "Create the namespace (false = it already exists)."
  type        = bool
  default     = true
}

variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "fleetscope"
}

variable "chart_path" {
  description = "Path to the Fleetscope Helm chart (defaults to the chart in this repository)."
  type        = string
  default     = null
}

variable "helm_timeout_seconds" {
  description = "How long Helm waits for the migrations hook and the rollout."
  type        = number
  default     = 900
}

variable "image_repository" {
  description = "Container image repository holding apps/api and apps/stream-workers."
  type        = string
  default     = "ghcr.io/fleetscope/fleetscope"
}

variable "image_tag" {
  description = "Container image tag."
  type        = string
  default     = "0.1.0"
}

variable "api_replicas" {
  description = "API replicas (the minimum when autoscaling)."
  type        = number
  default     = 2

  validation {
    condition     = var.api_replicas >= 1
    error_message = "api_replicas must be at least 1."
  }
}

variable "worker_replicas" {
  description = "Stream worker replicas. At most kafka_partitions replicas do useful work; alert rules and anomaly detection on fleet-level series need exactly 1 (see the chart README)."
  type        = number
  default     = 1

  validation {
    condition     = var.worker_replicas >= 1
    error_message = "worker_replicas must be at least 1."
  }
}

variable "autoscaling_enabled" {
  description = "Create HorizontalPodAutoscalers for the API and the workers."
  type        = bool
  default     = false
}

variable "api_max_replicas" {
  description = "API HPA maximum (when autoscaling_enabled)."
  type        = number
  default     = 10
}

# ------------------------------------------------------------------------ app configuration

variable "kafka_brokers" {
  description = "Comma-separated Kafka bootstrap brokers, e.g. \"kafka-0.kafka:9092,kafka-1.kafka:9092\"."
  type        = string
}

variable "kafka_partitions" {
  description = "Partitions of the events topic (KAFKA_EVENTS_PARTITIONS)."
  type        = number
  default     = 12
}

variable "kafka_replication_factor" {
  description = "Replication factor of the topics the app creates (1 for a single-broker Kafka)."
  type        = number
  default     = 3
}

variable "redis_url" {
  description = "Redis URL, e.g. \"redis://redis-master:6379\" (empty = no Redis)."
  type        = string
  default     = ""
}

variable "retention_days" {
  description = "RETENTION_DAYS."
  type        = number
  default     = 30
}

variable "enable_auth" {
  description = "ENABLE_AUTH."
  type        = bool
  default     = true
}

variable "enable_alerts" {
  description = "ENABLE_ALERTS."
  type        = bool
  default     = true
}

variable "enable_anomaly_detection" {
  description = "ENABLE_ANOMALY_DETECTION."
  type        = bool
  default     = false
}

variable "ingress_enabled" {
  description = "Expose the API through an Ingress."
  type        = bool
  default     = false
}

variable "ingress_host" {
  description = "Ingress host name (when ingress_enabled)."
  type        = string
  default     = "fleetscope.example.com"
}

variable "ingress_class_name" {
  description = "IngressClass name (when ingress_enabled)."
  type        = string
  default     = "nginx"
}

variable "ingress_tls_secret_name" {
  description = "TLS Secret for the Ingress host (empty = plain HTTP)."
  type        = string
  default     = ""
}

variable "extra_values" {
  description = "Additional Helm values documents (YAML strings), applied last."
  type        = list(string)
  default     = []
}

# -------------------------------------------------------------------------------- secrets

variable "database_url" {
  description = "PostgreSQL/TimescaleDB URL: postgres://user:password@host:5432/fleetscope."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^postgres(ql)?://", var.database_url))
    error_message = "database_url must start with postgres:// or postgresql://."
  }
}

variable "api_key" {
  description = "Bootstrap API key (OBSERVABILITY_API_KEY); empty = none."
  type        = string
  sensitive   = true
  default     = ""
}

variable "webhook_url" {
  description = "Alert webhook URL (WEBHOOK_URL); empty = none."
  type        = string
  sensitive   = true
  default     = ""
}

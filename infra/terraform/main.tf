# Deploys the Fleetscope Helm chart (../helm/fleetscope) to an existing Kubernetes cluster.
# Credentials go into a Kubernetes Secret managed here and are handed to the chart as
# `secrets.existingSecret`, so they never appear in Helm values or release history.

provider "kubernetes" {
  config_path    = pathexpand(var.kubeconfig_path)
  config_context = var.kube_context
}

provider "helm" {
  kubernetes {
    config_path    = pathexpand(var.kubeconfig_path)
    config_context = var.kube_context
  }
}

locals {
  chart_path  = coalesce(var.chart_path, "${path.module}/../helm/fleetscope")
  namespace   = var.create_namespace ? kubernetes_namespace_v1.this[0].metadata[0].name : var.namespace
  secret_name = "${var.release_name}-secrets"
  # Mirrors the chart's "fleetscope.fullname" helper (release name if it contains the
  # chart name, else "<release>-fleetscope").
  fullname         = strcontains(var.release_name, "fleetscope") ? var.release_name : "${var.release_name}-fleetscope"
  api_service_name = "${local.fullname}-api"

  common_labels = {
    "app.kubernetes.io/part-of"    = "fleetscope"
    "app.kubernetes.io/managed-by" = "terraform"
  }

  # Optional secret entries are left out when empty (the chart reads them as optional).
  secret_data = merge(
    { DATABASE_URL = var.database_url },
    var.api_key != "" ? { OBSERVABILITY_API_KEY = var.api_key } : {},
    var.webhook_url != "" ? { WEBHOOK_URL = var.webhook_url } : {},
  )

  helm_values = {
    image = {
      repository = var.image_repository
      tag        = var.image_tag
    }
    secrets = {
      existingSecret = local.secret_name
    }
    config = {
      kafkaBrokers           = var.kafka_brokers
      kafkaEventsPartitions  = var.kafka_partitions
      kafkaReplicationFactor = var.kafka_replication_factor
      redisUrl               = var.redis_url
      retentionDays          = var.retention_days
      enableAuth             = var.enable_auth
      enableAlerts           = var.enable_alerts
      enableAnomalyDetection = var.enable_anomaly_detection
    }
    api = {
      replicaCount = var.api_replicas
      autoscaling = {
        enabled     = var.autoscaling_enabled
        minReplicas = var.api_replicas
        maxReplicas = var.api_max_replicas
      }
      # The Secret is external to the chart, so the chart cannot checksum it: roll the pods
      # when Terraform changes it.
      podAnnotations = {
        "fleetscope.dev/secret-version" = kubernetes_secret_v1.app.metadata[0].resource_version
      }
    }
    workers = {
      replicaCount = var.worker_replicas
      autoscaling = {
        enabled     = var.autoscaling_enabled
        minReplicas = var.worker_replicas
        maxReplicas = var.kafka_partitions
      }
      podAnnotations = {
        "fleetscope.dev/secret-version" = kubernetes_secret_v1.app.metadata[0].resource_version
      }
    }
    ingress = {
      enabled   = var.ingress_enabled
      className = var.ingress_class_name
      annotations = {
        # Long-lived WebSocket connections for live views; batch ingest bodies up to 32 MiB.
        "nginx.ingress.kubernetes.io/proxy-read-timeout" = "3600"
        "nginx.ingress.kubernetes.io/proxy-send-timeout" = "3600"
        "nginx.ingress.kubernetes.io/proxy-body-size"    = "32m"
      }
      hosts = [{
        host  = var.ingress_host
        paths = [{ path = "/", pathType = "Prefix" }]
      }]
      tls = var.ingress_tls_secret_name == "" ? [] : [{
        secretName = var.ingress_tls_secret_name
        hosts      = [var.ingress_host]
      }]
    }
  }
}

resource "kubernetes_namespace_v1" "this" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name   = var.namespace
    labels = local.common_labels
  }
}

resource "kubernetes_secret_v1" "app" {
  metadata {
    name      = local.secret_name
    namespace = local.namespace
    labels    = local.common_labels
  }

  type = "Opaque"
  # Plain values: the provider base64-encodes them.
  data = local.secret_data
}

resource "helm_release" "fleetscope" {
  name      = var.release_name
  namespace = local.namespace
  chart     = local.chart_path

  # Roll back a failed upgrade (including a failed migrations hook) automatically.
  atomic          = true
  wait            = true
  timeout         = var.helm_timeout_seconds
  cleanup_on_fail = true
  max_history     = 10

  values = concat([yamlencode(local.helm_values)], var.extra_values)

  lifecycle {
    precondition {
      condition     = var.worker_replicas <= var.kafka_partitions
      error_message = "worker_replicas (${var.worker_replicas}) exceeds kafka_partitions (${var.kafka_partitions}): extra workers would sit idle in the consumer group."
    }
    precondition {
      condition     = !var.autoscaling_enabled || var.api_max_replicas >= var.api_replicas
      error_message = "api_max_replicas must be >= api_replicas."
    }
  }

  # The migrations hook Job reads DATABASE_URL from this Secret before any chart resource exists.
  depends_on = [kubernetes_secret_v1.app]
}

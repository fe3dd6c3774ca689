output "namespace" {
  description = "Namespace Fleetscope runs in."
  value       = local.namespace
}

output "release_name" {
  description = "Helm release name."
  value       = helm_release.fleetscope.name
}

output "release_status" {
  description = "Helm release status."
  value       = helm_release.fleetscope.status
}

output "chart_version" {
  description = "Deployed chart version."
  value       = helm_release.fleetscope.metadata[0].version
}

output "app_version" {
  description = "Deployed app version (chart appVersion)."
  value       = helm_release.fleetscope.metadata[0].app_version
}

output "secret_name" {
  description = "Secret holding DATABASE_URL, OBSERVABILITY_API_KEY and WEBHOOK_URL."
  value       = kubernetes_secret_v1.app.metadata[0].name
}

output "api_service" {
  description = "In-cluster API service (name.namespace:port)."
  value       = "${local.api_service_name}.${local.namespace}.svc:80"
}

output "api_url" {
  description = "External API URL when the Ingress is enabled, else null."
  value       = var.ingress_enabled ? "${var.ingress_tls_secret_name == "" ? "http" : "https"}://${var.ingress_host}" : null
}

output "port_forward_command" {
  description = "Reach the API from your machine."
  value       = "kubectl -n ${local.namespace} port-forward svc/${local.api_service_name} 3001:80"
}

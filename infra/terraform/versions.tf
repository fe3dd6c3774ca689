terraform {
  required_version = ">= 1.5.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.31"
    }
    # Pinned to 2.x: helm provider 3.x changed the provider/`set` syntax used below.
    helm = {
      source  = "hashicorp/helm"
      version = "~> 2.14"
    }
  }
}

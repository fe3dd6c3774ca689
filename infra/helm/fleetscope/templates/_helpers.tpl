{{/*
Expand the name of the chart.
*/}}
{{- define "fleetscope.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name, truncated to 63 characters (DNS label limit).
*/}}
{{- define "fleetscope.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fleetscope.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "fleetscope.labels" -}}
helm.sh/chart: {{ include "fleetscope.chart" . }}
{{ include "fleetscope.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fleetscope
{{- end }}

{{- define "fleetscope.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fleetscope.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Per-component names and selector labels. Usage: include "fleetscope.componentName" (list . "api")
*/}}
{{- define "fleetscope.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "fleetscope.fullname" $root | trunc 50 | trimSuffix "-") (index . 1) }}
{{- end }}

{{- define "fleetscope.componentSelectorLabels" -}}
{{ include "fleetscope.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "fleetscope.componentLabels" -}}
{{ include "fleetscope.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "fleetscope.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fleetscope.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fleetscope.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
Name of the Secret holding DATABASE_URL, OBSERVABILITY_API_KEY and WEBHOOK_URL.
*/}}
{{- define "fleetscope.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "fleetscope.fullname" . }}
{{- end }}
{{- end }}

{{/*
Non-secret environment, as a YAML map. Rendered into the ConfigMap, and inline into the
migrations hook Job (which runs before the ConfigMap exists on a first install).
*/}}
{{- define "fleetscope.configData" -}}
FLEETSCOPE_MODE: "cluster"
HOST: "0.0.0.0"
PORT: {{ .Values.api.port | toString | quote }}
DATA_DIR: "/tmp/fleetscope"
KAFKA_BROKERS: {{ .Values.config.kafkaBrokers | toString | quote }}
KAFKA_EVENTS_PARTITIONS: {{ .Values.config.kafkaEventsPartitions | toString | quote }}
KAFKA_REPLICATION_FACTOR: {{ .Values.config.kafkaReplicationFactor | toString | quote }}
{{- with .Values.config.redisUrl }}
REDIS_URL: {{ . | toString | quote }}
{{- end }}
RETENTION_DAYS: {{ .Values.config.retentionDays | toString | quote }}
ROLLUP_RETENTION_DAYS: {{ .Values.config.rollupRetentionDays | toString | quote }}
MAX_EVENTS_PER_QUERY: {{ .Values.config.maxEventsPerQuery | toString | quote }}
ENABLE_AUTH: {{ .Values.config.enableAuth | toString | quote }}
ENABLE_ALERTS: {{ .Values.config.enableAlerts | toString | quote }}
ENABLE_TRACING: {{ .Values.config.enableTracing | toString | quote }}
ENABLE_ANOMALY_DETECTION: {{ .Values.config.enableAnomalyDetection | toString | quote }}
ERROR_RATE_THRESHOLD: {{ .Values.config.errorRateThreshold | toString | quote }}
EVENT_RATE_THRESHOLD: {{ .Values.config.eventRateThreshold | toString | quote }}
RESPONSE_TIME_THRESHOLD: {{ .Values.config.responseTimeThreshold | toString | quote }}
{{- with .Values.config.publicUrl }}
PUBLIC_URL: {{ . | toString | quote }}
{{- end }}
LOG_LEVEL: {{ .Values.config.logLevel | toString | quote }}
WORKER_METRICS_PORT: {{ .Values.workers.metricsPort | toString | quote }}
WORKER_METRICS_HOST: "0.0.0.0"
{{- range $k, $v := .Values.config.extraEnv }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}

{{/*
Env entries read from the Secret. DATABASE_URL is mandatory, the others optional.
*/}}
{{- define "fleetscope.secretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "fleetscope.secretName" . }}
      key: {{ .Values.secrets.keys.databaseUrl }}
- name: OBSERVABILITY_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "fleetscope.secretName" . }}
      key: {{ .Values.secrets.keys.apiKey }}
      optional: true
- name: WEBHOOK_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "fleetscope.secretName" . }}
      key: {{ .Values.secrets.keys.webhookUrl }}
      optional: true
{{- end }}

{{/*
Annotations that roll the pods when the configuration or the chart-managed secret changes.
*/}}
{{- define "fleetscope.checksumAnnotations" -}}
checksum/config: {{ include "fleetscope.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* The console's own name and labels. Its pods must not match the operator's selector (the
     webhook and metrics Services, the PodDisruptionBudget), so its app.kubernetes.io/name differs. */}}
{{- define "approval-operator.consoleName" -}}
{{- printf "%s-console" (include "approval-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "approval-operator.consoleSelectorLabels" -}}
app.kubernetes.io/name: approval-console
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "approval-operator.consoleLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "approval-operator.consoleSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: approval-operator
app.kubernetes.io/component: console
{{- end }}

package cli

import "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

// azureTransport, when set, carries the requests of every Sentinel
// workspace the commands open: tests set it, once, to a client that trusts
// a fake service's TLS certificate, so that a workspace configured in
// triage.yaml is reached in-process as the binary would reach it. nil is
// the Azure SDK's own transport.
var azureTransport policy.Transporter

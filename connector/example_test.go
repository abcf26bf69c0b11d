package connector_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// crm is a small connector spec, declared in code next to its constructor.
var crm = connector.Spec{
	Name:        "crm",
	Title:       "Example CRM",
	Version:     "1.0.0",
	Category:    "sales",
	Description: "Reads and writes contacts in Example CRM.",
	Config: []connector.Field{
		{Name: "url", Type: connector.String, Required: true, Example: "https://crm.example.com", Help: "The address of your CRM."},
		{Name: "token", Type: connector.String, Required: true, Secret: true, Help: "An API token from the CRM's settings page."},
		{Name: "timeout", Type: connector.Duration, Default: "30s", Help: "How long one call may take."},
		{Name: "region", Type: connector.Enum, Enum: []string{"eu", "us"}, Default: "eu", Help: "Where your account is hosted."},
	},
	Actions: []connector.Action{{
		Name:        "upsert_contact",
		Title:       "Create or update a contact",
		Description: "Creates the contact, or updates the one with the same email.",
		Input: []connector.Field{
			{Name: "email", Type: connector.String, Required: true, Help: "The contact's email address."},
			{Name: "tags", Type: connector.List, Items: &connector.Field{Type: connector.String, Help: "A tag."}, Help: "Tags to add."},
			{Name: "score", Type: connector.Int, Help: "The lead score."},
		},
		Output:      "The contact as the CRM stored it.",
		SideEffects: true,
		Idempotent:  true,
	}},
	Endpoints: []connector.Endpoint{{Field: "url", Format: connector.URLEndpoint}},
}

func ExampleSpec_ValidateConfig() {
	errs := crm.ValidateConfig(map[string]any{
		"url":     "https://crm.example.com",
		"timeout": "ten seconds",
		"region":  "asia",
	})
	for _, e := range errs {
		fmt.Printf("%s (%s): %s\n", e.Field, e.Code, e.Message)
	}
	// Output:
	// region (enum): 'region' must be one of eu, us
	// timeout (type): 'timeout' must be a length of time such as 30s, 5m or 1h30m
	// token (required): 'token' is required: an API token from the CRM's settings page.
}

func ExampleAction_ValidateInput() {
	upsert, _ := crm.Action("upsert_contact")
	errs := upsert.ValidateInput(map[string]any{
		"email": "{{ record.email }}", // a template: checked when the flow runs
		"score": 7.5,
		"tag":   "vip",
	})
	for _, e := range errs {
		fmt.Println(e.Message)
	}
	// Output:
	// 'score' must be a whole number
	// there is no setting 'tag'; the settings here are email, tags, score
}

func ExampleSpec_ConfigSchema() {
	schema := crm.ConfigSchema()
	token, _ := json.Marshal(schema["properties"].(map[string]any)["token"])
	fmt.Println(string(token))
	fmt.Println(schema["required"])
	// Output:
	// {"description":"An API token from the CRM's settings page.","type":"string","writeOnly":true}
	// [url token]
}

func ExampleRetryable() {
	// A connector reports a rate limit: the engine retries after a minute.
	err := fmt.Errorf("upsert contact: %w", connector.Retryable(errors.New("too many requests"), time.Minute))
	retry, after := connector.IsRetryable(err)
	fmt.Println(retry, after)

	// A rejected request will fail again.
	retry, _ = connector.IsRetryable(connector.Permanent(errors.New("the field 'email' is not an email address")))
	fmt.Println(retry)
	// Output:
	// true 1m0s
	// false
}

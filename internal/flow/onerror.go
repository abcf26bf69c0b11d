package flow

import "encoding/json"

// UnmarshalJSON accepts a single word (fail, skip, continue) as well as the
// object form.
func (o *OnError) UnmarshalJSON(b []byte) error {
	var word string
	if err := json.Unmarshal(b, &word); err == nil {
		*o = OnError{Action: word}
		return nil
	}
	type plain OnError
	return json.Unmarshal(b, (*plain)(o))
}

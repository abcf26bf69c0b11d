import { Alert, Text } from "@mantine/core";
import type { Review } from "../api/client";

/** Why a change waits for review, in a few words: "risk 72: calls api.example.com; sends messages with chat". */
export function riskWords(r: Pick<Review, "risk" | "reasons">): string {
  const reasons = (r.reasons ?? []).filter(Boolean);
  return `risk ${r.risk}${reasons.length ? `: ${reasons.join("; ")}` : ""}`;
}

/** The title of the notice after a save that waits for review. */
export function submittedTitle(r: Pick<Review, "risk" | "reasons">): string {
  return `Submitted for review: IT will publish it (${riskWords(r)})`;
}

/**
 * Says that the save was not published but handed to IT (the API answered
 * 202): the flow keeps running as it was, and the editor keeps the changes.
 */
export function SubmittedNote({ review, changedSince, onDismiss }: { review: Review; changedSince: boolean; onDismiss: () => void }) {
  return (
    <Alert color="blue" title={submittedTitle(review)} role="status" withCloseButton onClose={onDismiss} closeButtonLabel="Dismiss">
      <Text size="sm">
        {review.base_version > 0
          ? `Nothing is published yet: the flow keeps running version ${review.base_version} until IT approves the change.`
          : "The flow is created once IT approves it."}{" "}
        The answer comes as a notification (the bell at the top). Your changes stay here in the editor.
        {changedSince && " You have changed the flow since: saving again submits the new changes for review."}
      </Text>
    </Alert>
  );
}

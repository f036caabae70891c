import Testing

// PLACEHOLDER: replaced by the issue that builds GuestImage.

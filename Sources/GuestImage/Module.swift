// PLACEHOLDER: the GuestImage module (DESIGN.md). Replaced by the issue that builds it.
import KGateCore

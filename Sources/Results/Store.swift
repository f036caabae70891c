import KGateCore

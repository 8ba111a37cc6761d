"""Operations → Feeds + AirGap Ops and Platform Health."""

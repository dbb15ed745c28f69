/** The card's entrypoint (see leadscore-card-hsmeta.json): registers the card with HubSpot. */

import React from 'react';
import { hubspot } from '@hubspot/ui-extensions';
import { LeadscoreCard } from './LeadscoreCard';

hubspot.extend<'crm.record.tab'>(() => <LeadscoreCard />);

/**
 * The card's Custom Labels (English values, Japanese in translations/ja): admins can reword
 * them in Setup > Custom Labels or the Translation Workbench without touching code.
 */

import LEADSCORE_CARDTITLE from '@salesforce/label/c.LeadScore_CardTitle';
import LEADSCORE_NOTSCORED from '@salesforce/label/c.LeadScore_NotScored';
import LEADSCORE_NOTSCOREDHINT from '@salesforce/label/c.LeadScore_NotScoredHint';
import LEADSCORE_FOLLOWUP from '@salesforce/label/c.LeadScore_FollowUp';
import LEADSCORE_SUBTOTALS from '@salesforce/label/c.LeadScore_Subtotals';
import LEADSCORE_SCOREDAT from '@salesforce/label/c.LeadScore_ScoredAt';
import LEADSCORE_NEXTCHANGE from '@salesforce/label/c.LeadScore_NextChange';
import LEADSCORE_NEXTCHANGERULE from '@salesforce/label/c.LeadScore_NextChangeRule';
import LEADSCORE_UNTIL from '@salesforce/label/c.LeadScore_Until';
import LEADSCORE_MEASURED from '@salesforce/label/c.LeadScore_Measured';
import LEADSCORE_MATCHED from '@salesforce/label/c.LeadScore_Matched';
import LEADSCORE_MOREEVIDENCE from '@salesforce/label/c.LeadScore_MoreEvidence';
import LEADSCORE_MORERULES from '@salesforce/label/c.LeadScore_MoreRules';
import LEADSCORE_SHORTENED from '@salesforce/label/c.LeadScore_Shortened';
import LEADSCORE_NORULES from '@salesforce/label/c.LeadScore_NoRules';
import LEADSCORE_BREAKDOWNUNAVAILABLE from '@salesforce/label/c.LeadScore_BreakdownUnavailable';
import LEADSCORE_REASONEMPTY from '@salesforce/label/c.LeadScore_ReasonEmpty';
import LEADSCORE_REASONINVALID from '@salesforce/label/c.LeadScore_ReasonInvalid';
import LEADSCORE_REASONUNSUPPORTED from '@salesforce/label/c.LeadScore_ReasonUnsupported';
import LEADSCORE_REASONTRUNCATED from '@salesforce/label/c.LeadScore_ReasonTruncated';
import LEADSCORE_LOADERROR from '@salesforce/label/c.LeadScore_LoadError';
import LEADSCORE_LOADING from '@salesforce/label/c.LeadScore_Loading';

export const LABELS = Object.freeze({
    cardTitle: LEADSCORE_CARDTITLE,
    notScored: LEADSCORE_NOTSCORED,
    notScoredHint: LEADSCORE_NOTSCOREDHINT,
    followUp: LEADSCORE_FOLLOWUP,
    subtotals: LEADSCORE_SUBTOTALS,
    scoredAt: LEADSCORE_SCOREDAT,
    nextChange: LEADSCORE_NEXTCHANGE,
    nextChangeRule: LEADSCORE_NEXTCHANGERULE,
    until: LEADSCORE_UNTIL,
    measured: LEADSCORE_MEASURED,
    matched: LEADSCORE_MATCHED,
    moreEvidence: LEADSCORE_MOREEVIDENCE,
    moreRules: LEADSCORE_MORERULES,
    shortened: LEADSCORE_SHORTENED,
    noRules: LEADSCORE_NORULES,
    breakdownUnavailable: LEADSCORE_BREAKDOWNUNAVAILABLE,
    reasonEmpty: LEADSCORE_REASONEMPTY,
    reasonInvalid: LEADSCORE_REASONINVALID,
    reasonUnsupported: LEADSCORE_REASONUNSUPPORTED,
    reasonTruncated: LEADSCORE_REASONTRUNCATED,
    loadError: LEADSCORE_LOADERROR,
    loading: LEADSCORE_LOADING
});

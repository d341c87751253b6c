//! Fetching the metadata the checks need from a live instance: narrow `fields`, paged
//! lists fetched concurrently (bounded by the client), into the same `Metadata` a file
//! gives.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::client::Client;
use super::error::RemoteError;
use super::pool::map_bounded;
use super::version::Version;
use crate::model::Metadata;

/// Which side(s) of a job the metadata is for; a side reads only what its checks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub source: bool,
    pub target: bool,
    /// The category model (categories, their options, each option combo's options):
    /// record jobs resolve a block's category tables in the target.
    pub categories: bool,
}

impl Needs {
    pub const BOTH: Needs = Needs {
        source: true,
        target: true,
        categories: false,
    };
}

const ATTRIBUTE_VALUES: &str = "attributeValues[attribute[id],value]";

pub const PI_FIELDS: &str = "id,name,shortName,code,program[id],analyticsType,expression,filter,decimals,aggregationType,\
aggregateExportCategoryOptionCombo,aggregateExportAttributeOptionCombo,aggregateExportDataElement,\
categoryCombo[id],attributeCombo[id],categoryMappingIds,orgUnitField,\
analyticsPeriodBoundaries[boundaryTarget,analyticsPeriodBoundaryType,offsetPeriods,offsetPeriodType],\
attributeValues[attribute[id],value],programIndicatorGroups[id]";

const EXCHANGE_FIELDS: &str = "id,name,code,\
source[requests[name,dx,pe,ou,inputIdScheme,outputIdScheme,outputDataElementIdScheme,outputDataItemIdScheme,outputOrgUnitIdScheme]],\
target[type,request[idScheme,dataElementIdScheme,categoryOptionComboIdScheme,orgUnitIdScheme]]";

/// The pager of a list response.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pager {
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub page_count: u64,
    #[serde(default)]
    pub total: u64,
}

/// One page of `/api/<collection>`: `{"pager": {...}, "<collection>": [...]}`.
pub struct Page<T> {
    pub pager: Option<Pager>,
    pub items: Vec<T>,
}

struct PageSeed<'a, T> {
    collection: &'a str,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = Page<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Page<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageSeed<'_, T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a DHIS2 list response with `{}`", self.collection)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
        let mut page = Page {
            pager: None,
            items: Vec::new(),
        };
        let mut seen = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "pager" {
                page.pager = Some(map.next_value()?);
            } else if key == self.collection {
                page.items = map.next_value()?;
                seen = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen {
            return Err(serde::de::Error::custom(format_args!(
                "no `{}` list in the response",
                self.collection
            )));
        }
        Ok(page)
    }
}

/// Parse one list page.
/// Parse one list page: sonic-rs first (a national instance's data sets page carries
/// millions of org unit references), serde_json where it stops, to decide and say why.
pub fn parse_page<T: DeserializeOwned>(
    collection: &str,
    bytes: &[u8],
) -> Result<Page<T>, serde_json::Error> {
    let mut fast = sonic_rs::Deserializer::from_slice(bytes);
    let page = PageSeed {
        collection,
        _t: PhantomData,
    }
    .deserialize(&mut fast)
    .and_then(|page| fast.end().map(|()| page));
    if let Ok(page) = page {
        return Ok(page);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let page = PageSeed {
        collection,
        _t: PhantomData,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(page)
}

/// Fetch every item of a collection: the first page tells how many pages follow, which
/// are then fetched concurrently.
pub fn fetch_collection<T: DeserializeOwned + Send>(
    client: &Client,
    collection: &str,
    fields: &str,
    filters: &[String],
) -> Result<Vec<T>, RemoteError> {
    let page_size = client.opts.page_size.max(1);
    let get = |page: u64| -> Result<Page<T>, RemoteError> {
        let mut query: Vec<(&str, String)> = vec![
            ("fields", fields.to_string()),
            ("page", page.to_string()),
            ("pageSize", page_size.to_string()),
            ("order", "id:asc".to_string()),
        ];
        query.extend(filters.iter().map(|f| ("filter", f.clone())));
        let mut page = None;
        let url = client.get_with(collection, &query, &mut |bytes| {
            page = Some(parse_page(collection, bytes).map_err(|e| e.to_string())?);
            Ok(())
        })?;
        page.ok_or_else(|| RemoteError::BadResponse {
            url: url.to_string(),
            message: "no page was read".into(),
        })
    };
    let first = get(1)?;
    let mut items = first.items;
    let pages = first.pager.map_or(1, |p| p.page_count.max(1));
    if pages > 1 {
        let rest = map_bounded((2..=pages).collect(), client.opts.concurrency, get);
        for page in rest {
            items.extend(page?.items);
        }
    }
    Ok(items)
}

/// Fetch the metadata a check needs from an instance, all collections concurrently.
pub fn fetch_metadata(
    client: &Client,
    needs: Needs,
    version: Option<Version>,
) -> Result<Metadata, RemoteError> {
    let mut meta = Metadata::default();
    let de_fields = format!(
        "id,name,shortName,code,valueType,domainType,aggregationType,zeroIsSignificant,categoryCombo[id],optionSet[id],{ATTRIBUTE_VALUES}"
    );
    // Aggregate data exchanges exist from 2.39 on.
    let exchanges = needs.source && version.is_none_or(|v| v.at_least(39));
    // 2.42 disaggregated PIs export the source's option combos: the source's category
    // model is read to know which.
    let disaggregation =
        (needs.source && version.is_none_or(|v| v.at_least(42))) || needs.categories;
    let coc_fields = if disaggregation {
        format!("id,name,code,categoryCombo[id],categoryOptions[id],{ATTRIBUTE_VALUES}")
    } else {
        format!("id,name,code,categoryCombo[id],{ATTRIBUTE_VALUES}")
    };
    let program_fields = if disaggregation {
        "id,name,code,programType,organisationUnits[id],programStages[id],\
         programTrackedEntityAttributes[trackedEntityAttribute[id]],\
         categoryMappings[id,categoryId,mappingName,optionMappings[optionId,filter]]"
    } else {
        "id,name,code,programType,organisationUnits[id],programStages[id],\
         programTrackedEntityAttributes[trackedEntityAttribute[id]]"
    };
    let ou_fields = format!("id,name,code,path,level,{ATTRIBUTE_VALUES}");
    // The source reads every data element: the tracker ones for the expressions, the
    // aggregate ones to recognise renamed targets.
    let de_filters: Vec<String> = Vec::new();

    let (de_fields, coc_fields, ou_fields, de_filters) =
        (&de_fields, &coc_fields, &ou_fields, &de_filters);
    std::thread::scope(|s| -> Result<(), RemoteError> {
        let c = client;
        let src = needs.source;
        let tgt = needs.target;
        let combos_too = tgt || disaggregation;
        let attributes = s.spawn(move || {
            src.then(|| {
                fetch_collection(
                    c,
                    "attributes",
                    "id,name,code,valueType,mandatory,unique,programIndicatorAttribute,objectTypes",
                    &[],
                )
            })
            .transpose()
        });
        let programs = s.spawn(move || {
            src.then(|| fetch_collection(c, "programs", program_fields, &[]))
                .transpose()
        });
        let pis = s.spawn(move || {
            src.then(|| fetch_collection(c, "programIndicators", PI_FIELDS, &[]))
                .transpose()
        });
        let groups = s.spawn(move || {
            src.then(|| {
                fetch_collection(
                    c,
                    "programIndicatorGroups",
                    "id,name,code,programIndicators[id]",
                    &[],
                )
            })
            .transpose()
        });
        let ades = s.spawn(move || {
            if !exchanges {
                return Ok(None);
            }
            match fetch_collection(c, "aggregateDataExchanges", EXCHANGE_FIELDS, &[]) {
                Ok(v) => Ok(Some(v)),
                // Older servers without the endpoint: no exchanges.
                Err(RemoteError::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        let des =
            s.spawn(move || fetch_collection(c, "dataElements", de_fields, de_filters).map(Some));
        let combos = s.spawn(move || {
            combos_too
                .then(|| {
                    fetch_collection(
                        c,
                        "categoryCombos",
                        "id,name,code,dataDimensionType,categories[id],categoryOptionCombos[id]",
                        &[],
                    )
                })
                .transpose()
        });
        let cocs = s.spawn(move || {
            combos_too
                .then(|| fetch_collection(c, "categoryOptionCombos", coc_fields, &[]))
                .transpose()
        });
        let categories = s.spawn(move || {
            disaggregation
                .then(|| {
                    fetch_collection(
                        c,
                        "categories",
                        "id,name,code,dataDimensionType,categoryOptions[id]",
                        &[],
                    )
                })
                .transpose()
        });
        // What the PI expressions name (pi-expressions.md §5).
        let stages = s.spawn(move || {
            src.then(|| {
                fetch_collection(
                    c,
                    "programStages",
                    "id,name,code,program[id],repeatable,programStageDataElements[dataElement[id],skipAnalytics]",
                    &[],
                )
            })
            .transpose()
        });
        let teas = s.spawn(move || {
            src.then(|| {
                fetch_collection(
                    c,
                    "trackedEntityAttributes",
                    "id,name,code,valueType,confidential",
                    &[],
                )
            })
            .transpose()
        });
        let constants = s.spawn(move || {
            src.then(|| fetch_collection(c, "constants", "id,name,code", &[]))
                .transpose()
        });
        let relationship_types = s.spawn(move || {
            src.then(|| fetch_collection(c, "relationshipTypes", "id,name,code", &[]))
                .transpose()
        });
        let options = s.spawn(move || {
            disaggregation
                .then(|| fetch_collection(c, "categoryOptions", "id,name,code", &[]))
                .transpose()
        });
        let data_sets = s.spawn(move || {
            tgt.then(|| {
                fetch_collection(
                    c,
                    "dataSets",
                    "id,name,code,periodType,categoryCombo[id],dataSetElements[dataElement[id],categoryCombo[id]],\
                     organisationUnits[id],expiryDays,openFuturePeriods,dataInputPeriods[period[id],openingDate,closingDate]",
                    &[],
                )
            })
            .transpose()
        });
        let ous =
            s.spawn(move || fetch_collection(c, "organisationUnits", ou_fields, &[]).map(Some));

        fn join<T>(
            h: std::thread::ScopedJoinHandle<'_, Result<T, RemoteError>>,
        ) -> Result<T, RemoteError> {
            match h.join() {
                Ok(r) => r,
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        meta.attributes = join(attributes)?;
        meta.programs = join(programs)?;
        meta.program_indicators = join(pis)?;
        meta.program_indicator_groups = join(groups)?;
        meta.aggregate_data_exchanges = join(ades)?;
        meta.data_elements = join(des)?;
        meta.category_combos = join(combos)?;
        meta.category_option_combos = join(cocs)?;
        meta.categories = join(categories)?;
        meta.program_stages = join(stages)?;
        meta.tracked_entity_attributes = join(teas)?;
        meta.constants = join(constants)?;
        meta.relationship_types = join(relationship_types)?;
        meta.category_options = join(options)?;
        meta.data_sets = join(data_sets)?;
        meta.organisation_units = join(ous)?;
        Ok(())
    })?;
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataElement;

    #[test]
    fn parses_pages_with_and_without_pager() {
        let p: Page<DataElement> = parse_page(
            "dataElements",
            br#"{"pager":{"page":2,"pageCount":3,"total":5,"pageSize":2},"dataElements":[{"id":"a"},{"id":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(p.pager.unwrap().page_count, 3);
        assert_eq!(p.items.len(), 2);
        let p: Page<DataElement> = parse_page("dataElements", br#"{"dataElements":[]}"#).unwrap();
        assert!(p.pager.is_none());
        assert!(parse_page::<DataElement>("dataElements", br#"{"programs":[]}"#).is_err());
    }
}

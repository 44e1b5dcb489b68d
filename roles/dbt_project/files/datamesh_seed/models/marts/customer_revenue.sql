-- Revenue per customer across the three systems: landing files (hive), orders (mariadb) and
-- countries (mariadb2). Customers without an id cannot be attributed and are left out; customers
-- without orders have a revenue of 0.
with orders as (
    select customer_id, sum(amount) as total_amount, count(*) as order_count
    from {{ ref('stg_orders') }}
    group by customer_id
)

select
    c.customer_id,
    c.customer_name,
    c.country_code,
    k.country_name,
    k.region,
    coalesce(o.total_amount, 0) as total_amount,
    coalesce(o.order_count, 0) as order_count
from {{ ref('stg_customers') }} as c
left join orders as o on o.customer_id = c.customer_id
left join {{ ref('stg_countries') }} as k on k.country_code = c.country_code
where c.customer_id is not null
